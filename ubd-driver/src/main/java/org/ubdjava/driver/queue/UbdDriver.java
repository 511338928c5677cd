package org.ubdjava.driver.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.cache.BackingCaches;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.Devices;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;

/**
 * The request loop: any number of threads submit requests for any number of disks; a few I/O
 * threads execute them, each owning a shard of the disks and a ring of its own ({@link IoRing}).
 * The kernel has one I/O thread for all devices and takes up to 64 requests per wake-up; here a
 * thread takes everything published to its ring since it last looked.
 *
 * <p>Backpressure: {@link #trySubmit} returns false when the ring is full, {@link #submit} waits
 * for room; nothing is dropped. {@link #close} stops new submissions, lets every request already
 * in the ring complete, then closes the disks.
 */
public final class UbdDriver implements AutoCloseable {
    /**
     * Defaults sized for these 2-core machines.
     *
     * @param ringSize       slots of each I/O thread's ring
     * @param waitStrategies one per I/O thread's ring
     * @param cache the shared backing cache: off by default ({@link CacheConfig#off()})
     */
    public record Config(int ringSize, int ioThreads, Supplier<WaitStrategy> waitStrategies, CacheConfig cache) {
        /** Every I/O thread's ring waits with the one {@code waitStrategy} (the Disruptor's strategies may be shared). */
        public Config(int ringSize, int ioThreads, WaitStrategy waitStrategy) {
            this(ringSize, ioThreads, () -> waitStrategy, CacheConfig.off());
        }

        public static Config defaults() {
            return new Config(4096, 1, BlockingWaitStrategy::new, CacheConfig.off());
        }

        public Config withCache(CacheConfig c) {
            return new Config(ringSize, ioThreads, waitStrategies, c);
        }
    }

    /** Completed requests by status, readable while running. */
    public static final class Stats {
        private final LongAdder[] byStatus = new LongAdder[IoStatus.values().length];

        Stats() {
            for (int i = 0; i < byStatus.length; i++) {
                byStatus[i] = new LongAdder();
            }
        }

        void completed(IoStatus s) {
            byStatus[s.ordinal()].increment();
        }

        public long completed(IoStatus s, boolean reset) {
            return reset ? byStatus[s.ordinal()].sumThenReset() : byStatus[s.ordinal()].sum();
        }
    }

    /** Index: I/O thread ({@link Disk#ioThread()}). */
    private final IoRing[] rings;
    private final int ioThreads;
    private final Stats stats = new Stats();
    private final BackingCaches caches;
    private final List<Disk> disks = new ArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private volatile boolean closed;

    public UbdDriver() {
        this(Config.defaults());
    }

    public UbdDriver(Config config) {
        this.ioThreads = config.ioThreads();
        this.caches = new BackingCaches(config.cache() == null ? CacheConfig.off() : config.cache());
        rings = new IoRing[ioThreads];
        for (int i = 0; i < ioThreads; i++) {
            rings[i] = new IoRing(i, config.ringSize(), config.waitStrategies().get(), stats);
        }
    }

    public Stats stats() {
        return stats;
    }

    /** The shared backing caches (one per backing file) and their statistics, per device and total. */
    public BackingCaches caches() {
        return caches;
    }

    /** Attaches a device given in the kernel's syntax, e.g. {@code ubd0=cow.img,root_fs}. */
    public Disk attach(String spec, KernelLog log) {
        ParseOutcome o = new UbdOptionParser().parse(spec);
        if (o instanceof ParseOutcome.Configured c) {
            return attach(c.device(), log);
        }
        if (o instanceof ParseOutcome.Failed f) {
            throw new UbdException(f.message());
        }
        throw new UbdException("\"" + spec + "\" configures no device (expected ubd<N>[flags]=FILE[,BACKING])");
    }

    /** Opens the device's host files with the kernel's rules and attaches it. */
    public Disk attach(UbdDeviceConfig config, KernelLog log) {
        return attach(config, new DeviceOpener(HostFileTable.PROCESS, log));
    }

    public Disk attach(UbdDeviceConfig config, DeviceOpener opener) {
        return attach(config, opener, UnaryOperator.identity());
    }

    /**
     * Attaches with an extra layer on top of the device stack that {@link Devices#of} builds, e.g. a
     * {@link org.ubdjava.driver.device.FaultInjectingDevice} in tests. The layer sees every request
     * of this disk, on its I/O thread, like the layers below it.
     */
    public Disk attach(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator) {
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
        DeviceFiles files = opener.open(config);
        BlockDevice stack = null;
        try {
            BackingWatch watch = files.isCow() ? BackingWatch.of(config.name(), files.backing().path(), opener.log()) : null;
            stack = Devices.of(files, caches);
            BlockDevice device = decorator.apply(stack);
            int id = nextId.getAndIncrement();
            Disk disk = new Disk(id, id % ioThreads, config, files, device, watch);
            synchronized (disks) {
                disks.add(disk);
            }
            return disk;
        } catch (IOException | RuntimeException e) {
            try {
                if (stack != null) {
                    stack.close(); // gives back its share of the backing cache
                }
            } catch (IOException ignored) {
                // failing already
            }
            try {
                files.close();
            } catch (IOException ignored) {
                // failing already
            }
            throw e instanceof UbdException u ? u : new UbdException(config.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Queues a request, or returns false at once when the ring is full (retry later).
     *
     * @param buffer for READ and WRITE: the data, position to limit, a multiple of 512 bytes; untouched by
     *               the caller until completion. Ignored otherwise.
     * @param length for DISCARD and WRITE_ZEROES: bytes. Ignored otherwise.
     */
    public boolean trySubmit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        checkOpen();
        checkRequest(disk, op, buffer, completion);
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        fill(ring, seq, disk, op, offset, buffer, length, completion, tag);
        return true;
    }

    /**
     * Queues every request of {@code batch} with one claim and one publish, or none of them and
     * returns false when the ring lacks room for all (retry later). The batch is left as it was:
     * {@link RequestBatch#clear} it to reuse it.
     *
     * @throws IllegalArgumentException if the batch holds more requests than the ring has slots
     */
    public boolean trySubmit(RequestBatch batch) {
        checkOpen();
        int n = batch.size();
        if (n == 0) {
            return true;
        }
        RingBuffer<RequestEvent> ring = rings[batch.ioThread()].ring;
        if (n > ring.getBufferSize()) {
            throw new IllegalArgumentException("a batch of " + n + " requests cannot fit a ring of " + ring.getBufferSize());
        }
        long hi;
        try {
            hi = ring.tryNext(n);
        } catch (InsufficientCapacityException e) {
            return false;
        }
        long lo = hi - n + 1;
        try {
            for (int i = 0; i < n; i++) {
                batch.copyTo(i, ring.get(lo + i));
            }
        } finally {
            ring.publish(lo, hi); // a claimed slot is always published (the batch checked its requests when they were added)
        }
        return true;
    }

    /** I/O threads: a disk's requests all run on {@link Disk#ioThread()}, one of {@code [0, ioThreads())}. */
    public int ioThreads() {
        return ioThreads;
    }

    /** Requests each I/O thread's ring holds at most (queued and not yet done). */
    public int ringSize() {
        return rings[0].ring.getBufferSize();
    }

    static void checkRequest(Disk disk, IoOp op, ByteBuffer buffer, Completion completion) {
        if (disk == null || op == null || completion == null) {
            throw new NullPointerException(disk == null ? "disk" : op == null ? "op" : "completion");
        }
        if ((op == IoOp.READ || op == IoOp.WRITE) && buffer == null) {
            throw new NullPointerException("buffer (a " + op + " needs one)");
        }
    }

    /** Queues a request, waiting for room in the ring. */
    public void submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        checkOpen();
        checkRequest(disk, op, buffer, completion);
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        fill(ring, ring.next(), disk, op, offset, buffer, length, completion, tag);
    }

    /** Convenience for callers that prefer futures (allocates per request). */
    public CompletableFuture<IoStatus> submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length) {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        submit(disk, op, offset, buffer, length, (tag, status) -> f.complete(status), 0);
        return f;
    }

    private static void fill(RingBuffer<RequestEvent> ring, long seq, Disk disk, IoOp op, long offset, ByteBuffer buffer,
                             long length, Completion completion, long tag) {
        RequestEvent e = ring.get(seq);
        e.disk = disk;
        e.op = op;
        e.offset = offset;
        e.buffer = buffer;
        e.length = length;
        e.completion = completion;
        e.tag = tag;
        ring.publish(seq);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
    }

    /**
     * Requests submitted before still run, and a flush after them (that is how the queue is
     * drained); later ones complete with IOERR.
     */
    public void detach(Disk disk) throws IOException {
        CompletableFuture<IoStatus> drained = submit(disk, IoOp.FLUSH, 0, null, 0);
        drained.join();
        release(disk);
    }

    /**
     * Detaches a disk with no request outstanding (the caller has seen every completion), at once
     * and without a flush: as the real driver leaves a device that is closed, its data in the
     * host's page cache. Requests submitted later complete with IOERR. (Were one still queued, it
     * would complete with IOERR too, or fail on the closed files: never touch another disk.)
     */
    public void detachIdle(Disk disk) throws IOException {
        release(disk);
    }

    private void release(Disk disk) throws IOException {
        disk.detached = true;
        synchronized (disks) {
            disks.remove(disk);
        }
        disk.close();
    }

    /** Stops taking requests, completes every request in the ring, then closes every disk. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (IoRing r : rings) {
            r.shutdown(60, TimeUnit.SECONDS);
        }
        IOException first = null;
        synchronized (disks) {
            for (Disk d : disks) {
                try {
                    d.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            disks.clear();
        }
        if (first != null) {
            throw first;
        }
    }
}
