package org.ubdjava.driver.queue;

import java.util.concurrent.atomic.AtomicLongArray;

import org.ubdjava.driver.device.IoStatus;

/** A driver's completed requests by status, readable while it runs. */
public final class DriverStats {
    /** Longs of padding on each side of a thread's counters: no two threads' counters share a cache line. */
    private static final int PAD = 8;
    private static final int STATUSES = IoStatus.values().length;
    /**
     * Index: I/O thread. Each array is written by its thread only, with a release store: a counter
     * shared by the I/O threads (a LongAdder per status, say) is a read-modify-write that every
     * completion of every thread contends on, where a counter of one's own is a store that stays
     * in its core's cache. Readers add the threads' counts up.
     */
    private final AtomicLongArray[] byThread;
    /** Requests run on callers' threads ({@link DirectPath}): several callers, so a read-modify-write. */
    private final AtomicLongArray direct = new AtomicLongArray(PAD + STATUSES + PAD);
    private final long[] baseline = new long[STATUSES];

    DriverStats(int ioThreads) {
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

    /** On a direct path's owner. */
    void completedDirect(IoStatus s) {
        direct.getAndIncrement(PAD + s.ordinal());
    }

    /** Requests completed with {@code s} so far (since the last reset, with {@code reset} starting anew). */
    public synchronized long completed(IoStatus s, boolean reset) {
        long sum = 0;
        for (AtomicLongArray a : byThread) {
            sum += a.get(PAD + s.ordinal());
        }
        sum += direct.get(PAD + s.ordinal());
        long n = sum - baseline[s.ordinal()];
        if (reset) {
            baseline[s.ordinal()] = sum;
        }
        return n;
    }
}
