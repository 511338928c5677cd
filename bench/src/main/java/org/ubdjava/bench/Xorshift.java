package org.ubdjava.bench;

/** A tiny allocation-free random generator (xorshift64), one per request slot: no state shared between threads. */
public final class Xorshift {
    private long state;

    public Xorshift(long seed) {
        state = seed == 0 ? 0x9e3779b97f4a7c15L : seed;
    }

    /** Uniform in [0, bound). */
    public long next(long bound) {
        long x = state;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state = x;
        return Long.remainderUnsigned(x, bound);
    }
}
