package org.ubdjava.driver.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.cache.BackingCaches;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ExtentSink;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.stack.DeviceStack;

/**
 * The request loop: any number of threads submit requests for any number of disks; a few I/O
 * threads execute them, each owning a shard of the disks and a ring of its own ({@link IoRing}).
 * The kernel has one I/O thread for all devices and takes up to 64 requests per wake-up; here a
 * thread takes everything published to its ring since it last looked.
 *
 * <p>A call that can block for as long as the host disk takes (a flush's fdatasync, a fallocate)
 * runs on an {@link Offload} thread while its disk alone waits: the other disks of its I/O thread
 * go on. Completions still run on the disk's I/O thread, in submission order.
 *
 * <p>Backpressure: {@link #trySubmit} returns false when the ring is full (or the disk already has
 * a ring's worth of requests waiting behind its own offloaded call), {@link #submit} waits for
 * room; nothing is dropped. {@link #close} stops new submissions, lets every request already in
 * the ring complete (and every one waiting behind an offloaded call), then closes the disks.
 *
 * <p>This class is the driver's face and its lifecycle; the parts are classes of their own, as
 * the Disruptor's are: how it is built ({@link DriverConfig}), what it has completed
 * ({@link DriverStats}), the attach path ({@link AttachedDisks}), the submit path and the rings
 * ({@link RequestRings}), the offloaded calls ({@link Offload}), and a caller's closed loop kept N deep
 * ({@link ClosedLoop}).
 */
public final class UbdDriver implements AutoCloseable {
    private final DriverStats stats;
    /** Runs the calls that can block a disk for long, off the I/O threads (see {@link Offload}). */
    private final Offload offload = new Offload("ubd-offload");
    private final RequestRings rings;
    private final AttachedDisks disks;
    private boolean closed;

    public UbdDriver() {
        this(DriverConfig.defaults());
    }

    public UbdDriver(DriverConfig config) {
        stats = new DriverStats(config.ioThreads());
        rings = new RequestRings(config, stats, offload);
        disks = new AttachedDisks(config, rings);
    }

    public DriverStats stats() {
        return stats;
    }

    /** The shared backing caches (one per backing file) and their statistics, per device and total. */
    public BackingCaches caches() {
        return disks.caches();
    }

    /** I/O threads: a disk's requests all run on {@link Disk#ioThread()}, one of {@code [0, ioThreads())}. */
    public int ioThreads() {
        return rings.ioThreads();
    }

    /** Requests each I/O thread's ring holds at most (queued and not yet done). */
    public int ringSize() {
        return rings.ringSize();
    }

    /** Attaches a device given in the kernel's syntax, e.g. {@code ubd0=cow.img,root_fs}. */
    public Disk attach(String spec, KernelLog log) {
        return attach(UbdOptionParser.device(spec), log);
    }

    /** Opens the device's host files with the kernel's rules and attaches it. */
    public Disk attach(UbdDeviceConfig config, KernelLog log) {
        return attach(config, new DeviceOpener(HostFileTable.PROCESS, log));
    }

    public Disk attach(UbdDeviceConfig config, DeviceOpener opener) {
        return attach(config, opener, UnaryOperator.identity());
    }

    /**
     * Attaches with an extra layer on top of the device stack that {@link DeviceStack#of} builds, e.g. a
     * {@link org.ubdjava.driver.device.FaultInjectingDevice} in tests. The layer sees every request
     * of this disk, on its I/O thread, like the layers below it.
     */
    public Disk attach(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator) {
        return disks.attach(config, opener, decorator);
    }

    /**
     * As {@link #attach(UbdDeviceConfig, DeviceOpener, UnaryOperator)}, on I/O thread {@code ioThread}
     * rather than the next by turns: for a caller that knows which disks will be busy together (a
     * replay spreads each workload's disks over the threads, where by turns every other disk, one
     * workload of two alternating, would share one thread).
     *
     * @throws IllegalArgumentException unless 0 <= ioThread < {@link #ioThreads()}
     */
    public Disk attach(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator, int ioThread) {
        return disks.attach(config, opener, decorator, ioThread);
    }

    /**
     * Queues a request, or returns false at once when the ring is full, or the disk holds a
     * ring's worth of requests behind its offloaded call (retry later).
     *
     * @param buffer for READ and WRITE: the data, position to limit, a multiple of 512 bytes; untouched by
     *               the caller until completion. Ignored otherwise.
     * @param length for DISCARD and WRITE_ZEROES: bytes. Ignored otherwise.
     */
    public boolean trySubmit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        return rings.trySubmit(disk, op, offset, buffer, length, completion, tag);
    }

    /**
     * Queues every request of {@code batch} with one claim and one publish, or none of them and
     * returns false when the ring lacks room for all, or one of its disks is full as for
     * {@link #trySubmit(Disk, IoOp, long, ByteBuffer, long, Completion, long)} (retry later). The batch is left as it was:
     * {@link RequestBatch#clear} it to reuse it.
     *
     * @throws IllegalArgumentException if the batch holds more requests than the ring has slots
     */
    public boolean trySubmit(RequestBatch batch) {
        return rings.trySubmit(batch);
    }

    /**
     * Queues a request, waiting for room in the ring. Never on an I/O thread (in a
     * {@link Completion}): with the ring full it would wait for room that only that thread can
     * free, so it throws {@link IllegalStateException} there; use {@link #trySubmit}.
     */
    public void submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        rings.submit(disk, op, 0, offset, buffer, length, completion, tag);
    }

    /** As {@link #submit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}, with {@link IoOp#FUA} and {@link IoOp#FAST_ZERO} flags. */
    public void submit(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        rings.submit(disk, op, flags, offset, buffer, length, completion, tag);
    }

    /**
     * Queues an {@link IoOp#EXTENTS} request: {@code sink} hears the allocation of [offset, offset +
     * length) on the I/O thread, in order with the disk's other requests, before the completion.
     */
    public void submitExtents(Disk disk, long offset, long length, ExtentSink sink, Completion completion, long tag) {
        rings.submitExtents(disk, offset, length, sink, completion, tag);
    }

    /** Convenience for callers that prefer futures (allocates per request); blocks like {@link #submit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}. */
    public CompletableFuture<IoStatus> submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length) {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        submit(disk, op, offset, buffer, length, (tag, status) -> f.complete(status), 0);
        return f;
    }

    /**
     * Runs the disk's requests on this thread from now on ({@link DirectPath}), until the path is
     * closed: waits first for every request of the disk submitted before (a flush behind them),
     * and from then on refuses its requests through the rings. Never on an I/O thread.
     *
     * @throws IllegalStateException if the disk already has a direct path, or the driver is closed
     */
    public DirectPath direct(Disk disk) {
        rings.checkOwn(disk);
        DirectPath path = new DirectPath(disk, Thread.currentThread(), stats);
        synchronized (disk) {
            DirectPath other = disk.direct;
            if (other != null) {
                throw new IllegalStateException(disk.name() + " already has a direct path: " + other);
            }
            disk.direct = path;
        }
        CompletableFuture<IoStatus> drained = new CompletableFuture<>();
        try {
            rings.drain(disk, (tag, status) -> drained.complete(status));
        } catch (RuntimeException e) {
            path.close();
            throw e;
        }
        drained.join();
        return path;
    }

    /**
     * Requests submitted before still run, and a flush after them (that is how the queue is
     * drained); later ones complete with IOERR.
     */
    public void detach(Disk disk) throws IOException {
        CompletableFuture<IoStatus> drained = submit(disk, IoOp.FLUSH, 0, null, 0);
        drained.join();
        disks.release(disk);
    }

    /**
     * Detaches a disk with no request outstanding (the caller has seen every completion), at once
     * and without a flush: as the real driver leaves a device that is closed, its data in the
     * host's page cache. Requests submitted later complete with IOERR. (Were one still queued, it
     * would complete with IOERR too, or fail on the closed files: never touch another disk.)
     */
    public void detachIdle(Disk disk) throws IOException {
        disks.release(disk);
    }

    /**
     * Stops taking requests, completes every request in the ring and every one waiting behind an
     * offloaded call, stops the offload's threads, then closes every disk. A
     * submit racing with it is either refused ({@link IllegalStateException}) or completes.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        rings.shutdown();
        offload.stop();
        disks.closeAll();
    }
}
