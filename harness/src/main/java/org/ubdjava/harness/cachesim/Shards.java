package org.ubdjava.harness.cachesim;

/**
 * SHARDS, fixed-rate (Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction with
 * SHARDS", FAST 2015): spatial sampling by hashing. A page is in the sample when its hash, taken
 * modulo P = 2^24, is below T = R x P; the sampled pages' accesses go through exact stack
 * distances, and a distance d among sampled pages stands for d / R among all pages. So an LRU
 * cache of C pages hits the sampled accesses whose distance is at most C x R. Every access of a
 * sampled page is kept, so reuse is measured whole for the pages measured at all; the memory is
 * R times that of the exact curve.
 *
 * <p>With the paper's adjustment (SHARDS_adj): on a skewed stream, whether a few very hot pages
 * fall in the sample moves the sampled access count far from its expectation R x N, and every hit
 * ratio with it. The difference between the expected and the actual sampled count is added to
 * the smallest-distance bucket (those accesses hit at every size) and ratios are taken over R x N.
 */
final class Shards {
    static final int MODULUS_BITS = 24;
    /**
     * Below this many pages of sampled cache (C x R) the estimate is the fate of a handful of
     * sampled pages, not a measurement: its error is reported from this size up.
     */
    static final int MIN_SAMPLED_PAGES = 32;

    private final double rate;
    private long accesses;
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
        accesses++;
        if ((mix(page) >>> (64 - MODULUS_BITS)) < threshold) {
            sampled.access(page);
        }
    }

    /** Distinct pages in the sample: R times the footprint, give or take the hash's luck. */
    long sampledPages() {
        return sampled.footprint();
    }

    long sampledAccesses() {
        return sampled.accesses();
    }

    /** The estimated hit ratio of LRU at each size in {@code pages} (adjusted, see the class comment). */
    double[] hitRatios(long[] pages) {
        long[] cumulative = sampled.cumulativeHits();
        double[] out = new double[pages.length];
        double expected = rate * accesses;
        double adjustment = expected - sampled.accesses();
        for (int i = 0; i < pages.length; i++) {
            long scaled = (long) Math.floor(pages[i] * rate);
            double hits = StackDistances.hits(cumulative, scaled) + (scaled >= 1 ? adjustment : 0);
            out[i] = expected == 0 ? 0 : Math.max(0, Math.min(1, hits / expected));
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
