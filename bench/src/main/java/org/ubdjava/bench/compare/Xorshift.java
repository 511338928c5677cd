package org.ubdjava.bench.compare;

/** A tiny allocation-free random generator, one per request slot (no shared state between threads). */
final class Xorshift {
    private long state;

    Xorshift(long seed) {
        state = seed == 0 ? 0x9e3779b97f4a7c15L : seed;
    }

    /** Uniform in [0, bound). */
    long next(long bound) {
        long x = state;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state = x;
        return Long.remainderUnsigned(x, bound);
    }
}
