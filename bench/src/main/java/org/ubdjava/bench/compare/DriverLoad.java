package org.ubdjava.bench.compare;

import org.ubdjava.bench.Xorshift;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.ubdjava.driver.cache.CacheStats;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.ClosedLoop;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * A closed loop on the driver: {@code depth} requests per disk always in flight, one
 * {@link ClosedLoop} a disk; each completion (on the I/O thread) records its latency and the loop
 * submits the disk's next request from there. When the ring has no room with nothing of a disk in
 * flight, this thread takes the loop back. Nothing is allocated per request. Runs a warm-up, then
 * measures for a fixed time.
 */
final class DriverLoad {
    private static final int DONE_BYTES_BITS = 40;

    private final UbdDriver driver;
    private final Workload workload;
    private final TracePages trace;
    private final Recorder latency = new Recorder(3);
    private final LongAdder errors = new LongAdder();
    private volatile boolean stop;

    DriverLoad(UbdDriver driver, Workload workload, TracePages trace) {
        this.driver = driver;
        this.workload = workload;
        this.trace = trace;
    }

    /** One disk's requests: a buffer and a random stream a slot, and where sequential and trace workloads go next. */
    private final class DiskRequests implements ClosedLoop.Source {
        final long size;
        final long pages;
        final int traceStart;
        final ByteBuffer[] buffers;
        final Xorshift[] rng;
        final long[] start;
        final int[] length;
        /** Sequential and trace workloads: the next position; one submitter at a time (see {@link ClosedLoop}). */
        long cursor;
        /**
         * Requests completed (high 24 bits) and their bytes (low 40), in one word so that a reader
         * on another thread sees the two agree. Written only by the disk's I/O thread; a bench cell
         * is seconds long, far from 16 M requests or 1 TiB a disk.
         */
        volatile long done;

        DiskRequests(Disk disk, int index, int disks, int depth, int maxLength) {
            this.size = disk.size();
            this.pages = size >>> 12;
            this.traceStart = trace == null ? 0 : (int) ((long) index * trace.count / disks);
            buffers = new ByteBuffer[depth];
            rng = new Xorshift[depth];
            start = new long[depth];
            length = new int[depth];
            for (int k = 0; k < depth; k++) {
                long seed = 31L * index + k + 1;
                buffers[k] = ByteBuffer.allocateDirect(maxLength);
                rng[k] = new Xorshift(seed);
                for (int i = 0; i < maxLength; i += 4096) {
                    buffers[k].put(i, (byte) seed); // written data is not all zeros
                }
            }
        }

        @Override
        public ClosedLoop.Next next(long n, int slot, ClosedLoop.Requests to) {
            if (stop) {
                return ClosedLoop.Next.END;
            }
            IoOp op = workload.write ? IoOp.WRITE : IoOp.READ;
            long offset;
            int len = workload.blockSize;
            if (workload == Workload.TRACE) {
                int r = (int) ((traceStart + cursor++) % trace.count);
                int pagesOf = Math.min(trace.lastPage[r] - trace.firstPage[r] + 1, 256);
                long page = trace.firstPage[r] % pages;
                page = Math.min(page, pages - pagesOf);
                offset = page << 12;
                len = pagesOf << 12;
                op = trace.write[r] ? IoOp.WRITE : IoOp.READ;
            } else if (workload.sequential) {
                offset = cursor % (size - len + 1) / len * len;
                cursor += len;
            } else {
                offset = rng[slot].next(size / len) * len;
            }
            length[slot] = len;
            start[slot] = System.nanoTime();
            to.add(op, offset, buffers[slot].clear().limit(len), 0);
            return ClosedLoop.Next.ADDED;
        }

        @Override
        public void completed(int slot, IoStatus status) {
            latency.recordValue(System.nanoTime() - start[slot]);
            done = done + (1L << DONE_BYTES_BITS) + length[slot]; // single writer: no lost update
            if (status != IoStatus.OK) {
                errors.increment();
            }
        }
    }

    Measurement run(BenchSystem system, List<Disk> disks, int depthPerDisk, long warmMillis, long measureMillis) throws InterruptedException {
        int maxLength = workload == Workload.TRACE ? 1 << 20 : workload.blockSize;
        List<DiskRequests> sources = new ArrayList<>();
        List<ClosedLoop> loops = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            DiskRequests d = new DiskRequests(disks.get(i), i, disks.size(), depthPerDisk, maxLength);
            sources.add(d);
            loops.add(ClosedLoop.fromCompletions(driver, disks.get(i), depthPerDisk, d).watchedBy(Thread.currentThread()));
        }
        tend(loops, warmMillis);
        long[] done0 = done(sources);
        CacheStats cache0 = driver.caches().total();
        latency.reset();
        long t0 = System.nanoTime();
        tend(loops, measureMillis);
        long[] done1 = done(sources);
        long t1 = System.nanoTime();
        Histogram h = latency.getIntervalHistogram();
        CacheStats cache1 = driver.caches().total();
        stop = true;
        long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (ClosedLoop loop : loops) {
            if (!loop.awaitFinished(Math.max(0, drainEnd - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("requests did not drain");
            }
        }
        long hits = cache1.hits() - cache0.hits();
        long misses = cache1.misses() - cache0.misses();
        double hitRatio = hits + misses == 0 ? Double.NaN : (double) hits / (hits + misses);
        String note = errors.sum() == 0 ? "" : errors.sum() + " errors";
        return new Measurement(system, workload, disks.size(), depthPerDisk, done1[0] - done0[0], done1[1] - done0[1], (t1 - t0) / 1e9,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, hitRatio, Double.NaN, note);
    }

    /** Starts the loops, and takes back any that stalls on a full ring, for {@code millis}. */
    private static void tend(List<ClosedLoop> loops, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            for (ClosedLoop loop : loops) {
                loop.pump(); // nothing unless it is to start or has stalled
            }
            LockSupport.parkNanos(Math.min(left, 1_000_000)); // a stall wakes this thread at once
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Requests and bytes completed so far, over every disk: each disk's pair read at once. */
    private static long[] done(List<DiskRequests> sources) {
        long ops = 0;
        long bytes = 0;
        for (DiskRequests d : sources) {
            long v = d.done;
            ops += v >>> DONE_BYTES_BITS;
            bytes += v & ((1L << DONE_BYTES_BITS) - 1);
        }
        return new long[] {ops, bytes};
    }
}
