package org.ubdjava.driver.cache;

/**
 * How often a page was seen lately, approximately: a count-min sketch of 4-bit counters (four
 * rows, each counter a nibble of a long), halved every {@code 10 x capacity} additions so old
 * popularity fades (TinyLFU's reset). Estimates never undercount between resets; collisions only
 * overcount. Same idea as Caffeine's FrequencySketch, which is package-private there.
 */
final class FrequencySketch {
    private static final long[] SEEDS = {0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL, 0xcbf29ce484222325L};
    private static final long RESET_MASK = 0x7777777777777777L;

    private final long[] table;
    private final int mask;
    private final int sampleSize;
    private int additions;

    FrequencySketch(int capacity) {
        int words = Integer.highestOneBit(Math.max(16, capacity) - 1) << 1; // >= capacity, power of two
        table = new long[words];
        mask = words - 1;
        sampleSize = 10 * Math.max(16, capacity);
    }

    int frequency(long page) {
        int min = 15;
        for (int row = 0; row < 4; row++) {
            long h = hash(page, row);
            int shift = nibble(h, row);
            min = Math.min(min, (int) ((table[index(h)] >>> shift) & 0xf));
        }
        return min;
    }

    void increment(long page) {
        boolean added = false;
        for (int row = 0; row < 4; row++) {
            long h = hash(page, row);
            int i = index(h);
            int shift = nibble(h, row);
            if (((table[i] >>> shift) & 0xf) != 0xf) {
                table[i] += 1L << shift;
                added = true;
            }
        }
        if (added && ++additions == sampleSize) {
            for (int i = 0; i < table.length; i++) {
                table[i] = (table[i] >>> 1) & RESET_MASK;
            }
            additions /= 2;
        }
    }

    private int index(long h) {
        return (int) (h >>> 32) & mask;
    }

    /** Which of the 16 nibbles of the word: 4 per row, so rows never share a counter. */
    private static int nibble(long h, int row) {
        return (((int) h & 3) + (row << 2)) << 2;
    }

    private static long hash(long page, int row) {
        long h = (page + SEEDS[row]) * 0x9e3779b97f4a7c15L;
        return h ^ (h >>> 29);
    }
}
