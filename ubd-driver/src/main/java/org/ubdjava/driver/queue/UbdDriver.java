package org.ubdjava.driver.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.cache.BackingCaches;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.device.AllocationUnitDevice;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.stack.DeviceStack;
import org.ubdjava.driver.device.ExtentSink;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;

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
 */
public final class UbdDriver implements AutoCloseable {
    /**
     * Defaults sized for these 2-core machines.
     *
     * @param ringSize       slots of each I/O thread's ring
     * @param waitStrategies one per I/O thread's ring
     * @param cache the shared backing cache: off by default ({@link CacheConfig#off()})
     * @param directBackingReads read backing files with O_DIRECT, past the host's page cache (off by
     *                           default; for measuring backing files the host cannot keep cached)
     * @param allocationUnit     bytes by which writable COW files grow ({@link AllocationUnitDevice}); 0, the
     *                           default, lets the file system allocate block by block, as the kernel's files do
     */
    public record Config(int ringSize, int ioThreads, Supplier<WaitStrategy> waitStrategies, CacheConfig cache,
                         boolean directBackingReads, long allocationUnit) {
        public Config {
            AllocationUnitDevice.requireUnit(allocationUnit);
        }

        /** Every I/O thread's ring waits with the one {@code waitStrategy} (the Disruptor's strategies may be shared). */
        public Config(int ringSize, int ioThreads, WaitStrategy waitStrategy) {
            this(ringSize, ioThreads, () -> waitStrategy, CacheConfig.off());
        }

        public Config(int ringSize, int ioThreads, Supplier<WaitStrategy> waitStrategies, CacheConfig cache) {
            this(ringSize, ioThreads, waitStrategies, cache, false, 0);
        }

        public static Config defaults() {
            return new Config(4096, 1, BlockingWaitStrategy::new, CacheConfig.off());
        }

        public Config withCache(CacheConfig c) {
            return new Config(ringSize, ioThreads, waitStrategies, c, directBackingReads, allocationUnit);
        }

        public Config withDirectBackingReads(boolean direct) {
            return new Config(ringSize, ioThreads, waitStrategies, cache, direct, allocationUnit);
        }

        /** COW files that grow by {@code bytes} at a time (0: block by block); see {@link AllocationUnitDevice}. */
        public Config withAllocationUnit(long bytes) {
            return new Config(ringSize, ioThreads, waitStrategies, cache, directBackingReads, bytes);
        }

        /**
         * I/O threads that keep watching their ring after it empties, spinning for {@code poll}
         * then yielding for as long, before they sleep (QEMU's IOThread poll-max-ns). A request submitted within the window is taken without
         * waking a sleeping thread, which on these virtual machines costs about 25 us a wake-up
         * (a park/unpark round trip measured 50 us): more than the rest of a 4 KiB read served
         * from the page cache. The price is up to twice {@code poll} of a core after each burst.
         * Zero is the default, a thread that sleeps at once.
         */
        public Config withPolling(Duration poll) {
            long nanos = poll.toNanos();
            if (nanos < 0) {
                throw new IllegalArgumentException("polling time must not be negative, not " + poll);
            }
            Supplier<WaitStrategy> w = nanos == 0 ? BlockingWaitStrategy::new
                    : () -> PhasedBackoffWaitStrategy.withLock(nanos, nanos, TimeUnit.NANOSECONDS);
            return new Config(ringSize, ioThreads, w, cache, directBackingReads, allocationUnit);
        }
    }

    /** Completed requests by status, readable while running. */
    public static final class Stats {
        /** Longs of padding on each side of a thread's counters: no two threads' counters share a cache line. */
        private static final int PAD = 8;
        private static final int STATUSES = IoStatus.values().length;
        /**
         * Index: I/O thread. Each array is written by its thread only (a release store, no
         * read-modify-write shared between cores: with one LongAdder per status both I/O threads
         * contended on every completion, a fifth of their time on a mixed replay).
         */
        private final AtomicLongArray[] byThread;
        private final long[] baseline = new long[STATUSES];

        Stats(int ioThreads) {
            byThread = new AtomicLongArray[ioThreads];
            for (int t = 0; t < ioThreads; t++) {
                byThread[t] = new AtomicLongArray(PAD + STATUSES + PAD);
            }
        }

        /** On I/O thread {@code thread} only. */
        void completed(int thread, IoStatus s) {
            AtomicLongArray a = byThread[thread];
            int i = PAD + s.ordinal();
            a.lazySet(i, a.get(i) + 1);
        }

        /** Requests completed with {@code s} so far (since the last reset, with {@code reset} starting anew). */
        public synchronized long completed(IoStatus s, boolean reset) {
            long sum = 0;
            for (AtomicLongArray a : byThread) {
                sum += a.get(PAD + s.ordinal());
            }
            long n = sum - baseline[s.ordinal()];
            if (reset) {
                baseline[s.ordinal()] = sum;
            }
            return n;
        }
    }

    /** Index: I/O thread ({@link Disk#ioThread()}). */
    private final IoRing[] rings;
    /** Runs the calls that can block a disk for long, off the I/O threads (see {@link Offload}). */
    private final Offload offload = new Offload("ubd-offload");
    private final int ioThreads;
    private final Stats stats;
    private final BackingCaches caches;
    private final boolean directBackingReads;
    private final long allocationUnit;
    private final List<Disk> disks = new ArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private volatile boolean closed;
    /**
     * Submitters between their closed check and their publish. With {@link #closed} it makes
     * submit and shutdown atomic: a submitter counts itself in, then looks at closed; close sets
     * closed, then waits for the count to reach zero before it stops the I/O threads. Either the
     * submitter sees closed and is refused, or close sees it and waits until its request is in the
     * ring, which the shutdown then drains (both fields are volatile: the orders cannot cross).
     */
    private final AtomicInteger submitting = new AtomicInteger();

    public UbdDriver() {
        this(Config.defaults());
    }

    public UbdDriver(Config config) {
        this.ioThreads = config.ioThreads();
        this.caches = new BackingCaches(config.cache() == null ? CacheConfig.off() : config.cache());
        this.directBackingReads = config.directBackingReads();
        this.allocationUnit = config.allocationUnit();
        this.stats = new Stats(ioThreads);
        rings = new IoRing[ioThreads];
        for (int i = 0; i < ioThreads; i++) {
            rings[i] = new IoRing(i, config.ringSize(), config.waitStrategies().get(), stats, offload);
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
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
        DeviceFiles files = opener.open(config);
        BlockDevice stack = null;
        try {
            BackingWatch watch = files.isCow() ? BackingWatch.of(config.name(), files.backing().path(), opener.log()) : null;
            stack = DeviceStack.of(files, caches, directBackingReads, allocationUnit);
            BlockDevice device = decorator.apply(stack);
            int id = nextId.getAndIncrement();
            Disk disk = new Disk(this, id, id % ioThreads, config, files, device, watch, opener.log());
            synchronized (disks) {
                disks.add(disk);
            }
            return disk;
        } catch (IOException | RuntimeException e) {
            Cleanup.closeQuietly(stack); // gives back its share of the backing cache
            Cleanup.closeQuietly(files);
            throw e instanceof UbdException u ? u : new UbdException(config.name() + ": " + e.getMessage(), e);
        }
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
        checkRequest(disk, op, buffer, completion);
        checkOwn(disk);
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        submitting.incrementAndGet();
        try {
            checkOpen();
            if (full(disk, ring)) {
                return false;
            }
            long seq;
            try {
                seq = ring.tryNext();
            } catch (InsufficientCapacityException e) {
                return false;
            }
            fill(ring, seq, disk, op, 0, offset, buffer, length, null, completion, tag);
            return true;
        } finally {
            submitting.decrementAndGet();
        }
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
        int n = batch.size();
        if (n == 0) {
            checkOpen();
            return true;
        }
        checkOwn(batch.disk(0)); // the batch holds disks of one driver, one I/O thread
        RingBuffer<RequestEvent> ring = rings[batch.ioThread()].ring;
        if (n > ring.getBufferSize()) {
            throw new IllegalArgumentException("a batch of " + n + " requests cannot fit a ring of " + ring.getBufferSize());
        }
        submitting.incrementAndGet();
        try {
            checkOpen();
            for (int i = 0; i < n; i++) {
                if (full(batch.disk(i), ring)) {
                    return false;
                }
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
        } finally {
            submitting.decrementAndGet();
        }
    }

    /** I/O threads: a disk's requests all run on {@link Disk#ioThread()}, one of {@code [0, ioThreads())}. */
    public int ioThreads() {
        return ioThreads;
    }

    /** Requests each I/O thread's ring holds at most (queued and not yet done). */
    public int ringSize() {
        return rings[0].ring.getBufferSize();
    }

    /**
     * Everything that could throw between claim and publish is checked before the claim: a claimed
     * slot left unpublished stops its I/O thread at it, for every disk of that thread, for good.
     */
    static void checkRequest(Disk disk, IoOp op, ByteBuffer buffer, Completion completion) {
        if (disk == null) {
            throw new NullPointerException("submit: disk is null");
        }
        if (op == null) {
            throw new NullPointerException("submit: operation on " + disk.name() + " is null");
        }
        if (completion == null) {
            throw new NullPointerException("submit: " + op + " on " + disk.name() + " without a completion");
        }
        if (buffer == null && (op == IoOp.READ || op == IoOp.WRITE)) {
            throw new NullPointerException("submit: " + op + " on " + disk.name() + " without a buffer");
        }
        if (op == IoOp.EXTENTS) {
            throw new IllegalArgumentException("submit: an EXTENTS request on " + disk.name() + " needs a sink: submitExtents");
        }
    }

    private void checkOwn(Disk disk) {
        if (disk.driver != this) {
            throw new IllegalArgumentException("submit: " + disk.name() + " is not attached to this driver");
        }
    }

    /** A blocking submit on an I/O thread could wait for room that only that thread can free. */
    private static void checkMayBlock() {
        if (Thread.currentThread() instanceof IoRing.IoThread io) {
            throw new IllegalStateException("submit: blocking submit on I/O thread " + io.getName()
                    + " (from a completion?): it could wait for room only this thread can free; use trySubmit, or submit from another thread");
        }
    }

    /**
     * Queues a request, waiting for room in the ring. Never on an I/O thread (in a
     * {@link Completion}): with the ring full it would wait for room that only that thread can
     * free, so it throws {@link IllegalStateException} there; use {@link #trySubmit}.
     */
    public void submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        submit(disk, op, 0, offset, buffer, length, completion, tag);
    }

    /** As {@link #submit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}, with {@link IoOp#FUA} and {@link IoOp#FAST_ZERO} flags. */
    public void submit(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        checkRequest(disk, op, buffer, completion);
        checkOwn(disk);
        checkMayBlock();
        blockingFill(disk, op, flags, offset, buffer, length, null, completion, tag);
    }

    private void blockingFill(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long length, ExtentSink sink,
                              Completion completion, long tag) {
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        submitting.incrementAndGet();
        try {
            checkOpen();
            while (full(disk, ring)) {
                LockSupport.parkNanos(50_000);
                checkOpen();
            }
            fill(ring, ring.next(), disk, op, flags, offset, buffer, length, sink, completion, tag);
        } finally {
            submitting.decrementAndGet();
        }
    }

    /**
     * Queues an {@link IoOp#EXTENTS} request: {@code sink} hears the allocation of [offset, offset +
     * length) on the I/O thread, in order with the disk's other requests, before the completion.
     */
    public void submitExtents(Disk disk, long offset, long length, ExtentSink sink, Completion completion, long tag) {
        if (disk == null || sink == null || completion == null) {
            throw new NullPointerException(disk == null ? "submit: disk is null" : sink == null ? "submitExtents: sink is null"
                    : "submitExtents: on " + disk.name() + " without a completion");
        }
        checkOwn(disk);
        checkMayBlock();
        blockingFill(disk, IoOp.EXTENTS, 0, offset, null, length, sink, completion, tag);
    }

    /** Convenience for callers that prefer futures (allocates per request); blocks like {@link #submit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}. */
    public CompletableFuture<IoStatus> submit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length) {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        submit(disk, op, offset, buffer, length, (tag, status) -> f.complete(status), 0);
        return f;
    }

    /**
     * Whether the disk already has a ring's worth of requests waiting behind its own offloaded call
     * (they leave the ring, so the ring's room no longer bounds them): then it takes no more until
     * the call is back, as a full ring would.
     */
    private static boolean full(Disk disk, RingBuffer<RequestEvent> ring) {
        return disk.waitingCount >= ring.getBufferSize();
    }

    /**
     * Publishes the resume event of a disk whose offloaded call is back (on the offload thread).
     * It may wait for room: the I/O thread, the ring's only consumer, never waits for this one.
     * Not counted in {@link #submitting}: close waits for every held disk ({@link IoRing#shutdown}).
     */
    void resume(Disk disk) {
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        long seq = ring.next();
        try {
            RequestEvent e = ring.get(seq);
            e.disk = disk;
            e.resume = true;
        } finally {
            ring.publish(seq);
        }
    }

    private static void fill(RingBuffer<RequestEvent> ring, long seq, Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer,
                             long length, ExtentSink sink, Completion completion, long tag) {
        RequestEvent e = ring.get(seq);
        try {
            e.disk = disk;
            e.op = op;
            e.flags = flags;
            e.offset = offset;
            e.buffer = buffer;
            e.extents = sink;
            e.length = length;
            e.completion = completion;
            e.tag = tag;
        } finally {
            ring.publish(seq); // whatever happened: a claimed slot is always published
        }
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
        // a submitter already past its closed check publishes soon: the I/O threads still run, so a
        // blocking one gets its room
        while (submitting.get() != 0) {
            Thread.onSpinWait();
        }
        for (IoRing r : rings) {
            r.shutdown(60, TimeUnit.SECONDS);
        }
        offload.stop();
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
