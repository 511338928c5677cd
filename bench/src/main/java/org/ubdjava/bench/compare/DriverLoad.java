package org.ubdjava.bench.compare;

import org.ubdjava.bench.Xorshift;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.ubdjava.driver.cache.CacheStats;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * A closed loop on the driver: {@code depth} requests per disk always in flight; each completion
 * (on the I/O thread) records its latency and submits the slot's next request with
 * {@code trySubmit}: a completion must never block. When the ring is full the slot goes to a
 * resubmitting thread of the load's own, which may wait for room. Nothing is allocated per
 * request. Runs a warm-up, then measures for a fixed time.
 */
final class DriverLoad {
    private final UbdDriver driver;
    private final Workload workload;
    private final TracePages trace;
    private final Recorder latency = new Recorder(3);
    private static final int DONE_BYTES_BITS = 40;
    private final LongAdder errors = new LongAdder();
    private List<Slot> slots;
    private volatile boolean stop;
    private CountDownLatch drained;
    /** Slots whose next request found the ring full; never full itself (one place per slot). */
    private ArrayBlockingQueue<Slot> ringFull;

    DriverLoad(UbdDriver driver, Workload workload, TracePages trace) {
        this.driver = driver;
        this.workload = workload;
        this.trace = trace;
    }

    /** Where one disk's requests go next: a shared cursor for sequential and trace workloads. */
    private final class DiskState {
        final Disk disk;
        final long size;
        final long pages;
        final AtomicLong cursor = new AtomicLong();
        final int traceStart;

        DiskState(Disk disk, int index, int disks) {
            this.disk = disk;
            this.size = disk.size();
            this.pages = size >>> 12;
            this.traceStart = trace == null ? 0 : (int) ((long) index * trace.count / disks);
        }
    }

    /** One request in flight, resubmitted by its own completion. */
    private final class Slot implements Completion {
        final DiskState d;
        final ByteBuffer buffer;
        final Xorshift rng;
        long start;
        int length;
        IoOp op;
        long offset;
        /**
         * Requests completed (high 24 bits) and their bytes (low 40), in one word so that a reader
         * on another thread sees the two agree. Written only by this slot's completion (one at a
         * time); a bench cell is seconds long, far from 16 M requests or 1 TiB a slot.
         */
        volatile long done;

        Slot(DiskState d, int maxLength, long seed) {
            this.d = d;
            this.buffer = ByteBuffer.allocateDirect(maxLength);
            this.rng = new Xorshift(seed);
            for (int i = 0; i < maxLength; i += 4096) {
                buffer.put(i, (byte) seed); // written data is not all zeros
            }
        }

        /** Works out the slot's next request. */
        void next() {
            IoOp op = workload.write ? IoOp.WRITE : IoOp.READ;
            long offset;
            int len = workload.blockSize;
            if (workload == Workload.TRACE) {
                int r = (int) ((d.traceStart + d.cursor.getAndIncrement()) % trace.count);
                int n = Math.min(trace.lastPage[r] - trace.firstPage[r] + 1, 256);
                long page = trace.firstPage[r] % d.pages;
                page = Math.min(page, d.pages - n);
                offset = page << 12;
                len = n << 12;
                op = trace.write[r] ? IoOp.WRITE : IoOp.READ;
            } else if (workload.sequential) {
                offset = d.cursor.getAndAdd(len) % (d.size - len + 1) / len * len;
            } else {
                offset = rng.next(d.size / len) * len;
            }
            this.op = op;
            this.offset = offset;
            length = len;
            buffer.clear().limit(len);
        }

        /** From the load's own threads, which may wait for room in the ring. */
        void submit() {
            driver.submit(d.disk, op, offset, buffer, 0, this, 0);
        }

        @Override
        public void complete(long tag, IoStatus status) {
            latency.recordValue(System.nanoTime() - start);
            done = done + (1L << DONE_BYTES_BITS) + length; // single writer: no lost update
            if (status != IoStatus.OK) {
                errors.increment();
            }
            if (stop) {
                drained.countDown();
                return;
            }
            next();
            start = System.nanoTime();
            if (!driver.trySubmit(d.disk, op, offset, buffer, 0, this, 0)) {
                ringFull.add(this);
            }
        }
    }

    Measurement run(BenchSystem system, List<Disk> disks, int depthPerDisk, long warmMillis, long measureMillis) throws InterruptedException {
        int maxLength = workload == Workload.TRACE ? 1 << 20 : workload.blockSize;
        slots = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            DiskState d = new DiskState(disks.get(i), i, disks.size());
            for (int k = 0; k < depthPerDisk; k++) {
                slots.add(new Slot(d, maxLength, 31L * i + k + 1));
            }
        }
        drained = new CountDownLatch(slots.size());
        ringFull = new ArrayBlockingQueue<>(slots.size());
        Thread resubmitter = new Thread(this::resubmit, "driver-load-resubmit");
        resubmitter.setDaemon(true);
        resubmitter.start();
        for (Slot s : slots) {
            s.next();
            s.start = System.nanoTime();
            s.submit();
        }
        TimeUnit.MILLISECONDS.sleep(warmMillis);
        long[] done0 = done();
        CacheStats cache0 = driver.caches().total();
        latency.reset();
        long t0 = System.nanoTime();
        TimeUnit.MILLISECONDS.sleep(measureMillis);
        long[] done1 = done();
        long t1 = System.nanoTime();
        Histogram h = latency.getIntervalHistogram();
        CacheStats cache1 = driver.caches().total();
        stop = true;
        boolean done = drained.await(60, TimeUnit.SECONDS);
        resubmitter.interrupt();
        resubmitter.join();
        if (!done) {
            throw new IllegalStateException("requests did not drain");
        }
        long hits = cache1.hits() - cache0.hits();
        long misses = cache1.misses() - cache0.misses();
        double hitRatio = hits + misses == 0 ? Double.NaN : (double) hits / (hits + misses);
        String note = errors.sum() == 0 ? "" : errors.sum() + " errors";
        return new Measurement(system, workload, disks.size(), depthPerDisk, done1[0] - done0[0], done1[1] - done0[1], (t1 - t0) / 1e9,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, hitRatio, Double.NaN, note);
    }

    /** Requests and bytes completed so far, over every slot: each slot's pair read at once. */
    private long[] done() {
        long ops = 0;
        long bytes = 0;
        for (Slot s : slots) {
            long v = s.done;
            ops += v >>> DONE_BYTES_BITS;
            bytes += v & ((1L << DONE_BYTES_BITS) - 1);
        }
        return new long[] {ops, bytes};
    }

    /** Submits, waiting for room, the requests that completions could not; until every slot has drained. */
    private void resubmit() {
        try {
            while (drained.getCount() > 0) {
                Slot s = ringFull.poll(10, TimeUnit.MILLISECONDS);
                if (s != null) {
                    s.submit();
                }
            }
        } catch (InterruptedException done) {
            // the run is over
        }
    }
}
