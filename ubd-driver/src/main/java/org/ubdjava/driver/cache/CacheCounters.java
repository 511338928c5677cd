package org.ubdjava.driver.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One device's counts of its use of a cache. Single writer (the device's I/O thread: the
 * driver's rule), any number of readers while it runs: the writer adds with an opaque store
 * (no fence, no CAS, just a store the JIT may not drop or tear), readers load opaquely. Cheaper
 * on the hit path than a LongAdder, which is what several writers would need.
 */
final class CacheCounters {
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
    static final int HITS = 0;
    static final int MISSES = 1;
    static final int HIT_BYTES = 2;
    static final int MISS_BYTES = 3;
    static final int EVICTIONS = 4;
    static final int READ_AHEAD = 5;

    /** Padded by a cache line on each side so two devices on two threads do not share a line. */
    private final long[] counts = new long[8 + 6 + 8];

    void add(int counter, long delta) {
        int i = 8 + counter;
        COUNT.setOpaque(counts, i, counts[i] + delta);
    }

    private long get(int counter) {
        return (long) COUNT.getOpaque(counts, 8 + counter);
    }

    CacheStats snapshot() {
        return new CacheStats(get(HITS), get(MISSES), get(HIT_BYTES), get(MISS_BYTES), get(EVICTIONS), get(READ_AHEAD));
    }
}
