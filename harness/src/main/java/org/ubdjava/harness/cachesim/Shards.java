package org.ubdjava.harness.cachesim;

/**
 * SHARDS, fixed-rate (Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction with
 * SHARDS", FAST 2015): spatial sampling by hashing. A page is in the sample when its hash, taken
 * modulo P = 2^24, is below T = R x P; the sampled pages' accesses go through exact stack
 * distances, and a distance d among sampled pages stands for d / R among all pages. So an LRU
 * cache of C pages hits the sampled accesses whose distance is at most C x R. Every access of a
 * sampled page is kept, so reuse is measured whole for the pages measured at all; the memory is
 * R times that of the exact curve.
 */
final class Shards {
    static final int MODULUS_BITS = 24;

    private final double rate;
    private final long threshold;
    private final StackDistances sampled = new StackDistances();

    Shards(double rate) {
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("a sampling rate is in (0, 1], got " + rate);
        }
        this.rate = rate;
        this.threshold = Math.round(rate * (1L << MODULUS_BITS));
    }

    double rate() {
        return rate;
    }

    void access(long page) {
        if ((mix(page) >>> (64 - MODULUS_BITS)) < threshold) {
            sampled.access(page);
        }
    }

    long sampledAccesses() {
        return sampled.accesses();
    }

    /** The estimated hit ratio of LRU at each size in {@code pages}. */
    double[] hitRatios(long[] pages) {
        long[] cumulative = sampled.cumulativeHits();
        double[] out = new double[pages.length];
        long n = sampled.accesses();
        for (int i = 0; i < pages.length; i++) {
            long scaled = (long) Math.floor(pages[i] * rate);
            out[i] = n == 0 ? 0 : (double) StackDistances.hits(cumulative, scaled) / n;
        }
        return out;
    }

    /** MurmurHash3's 64-bit finaliser: every bit of the page number moves every bit of the hash. */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
