package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/** Each policy's choice of victim on small access patterns whose right answer is known. */
class CachePolicyEvictionTest {
    static CacheSimulator run(CachePolicy p, int capacity, long... pages) {
        CacheSimulator sim = new CacheSimulator(capacity, p);
        for (long page : pages) {
            sim.access(page);
        }
        return sim;
    }

    static long[] resident(CacheSimulator sim, long... candidates) {
        return LongStream.of(candidates).filter(sim::contains).toArray();
    }

    @Test
    void lruEvictsTheLeastRecentlyUsed() {
        CacheSimulator sim = run(CachePolicy.LRU, 3, 1, 2, 3, 1, 4);
        assertEquals(1, sim.evictions());
        assertArrayEquals(new long[] {1, 3, 4}, resident(sim, 1, 2, 3, 4));
        sim.access(5); // recency now 3, 1, 4: 3 goes
        assertArrayEquals(new long[] {1, 4, 5}, resident(sim, 1, 2, 3, 4, 5));
    }

    @Test
    void clockGivesReferencedPagesASecondChance() {
        CacheSimulator sim = run(CachePolicy.CLOCK, 3, 1, 2, 3, 1, 4);
        assertArrayEquals(new long[] {1, 3, 4}, resident(sim, 1, 2, 3, 4), "1 was referenced, 2 was not");
    }

    @Test
    void clockIgnoresTheOrderOfHitsWhereLruDoesNot() {
        // all three are hit, last 3, 2, 1: LRU evicts 3; CLOCK's sweep clears every bit and
        // then takes the slot under its hand, slot 0, which holds page 1
        long[] pattern = {1, 2, 3, 3, 2, 1, 4};
        assertArrayEquals(new long[] {1, 2, 4}, resident(run(CachePolicy.LRU, 3, pattern), 1, 2, 3, 4));
        assertArrayEquals(new long[] {2, 3, 4}, resident(run(CachePolicy.CLOCK, 3, pattern), 1, 2, 3, 4));
    }

    @Test
    void tinyLfuKeepsAHotSetThroughAScanThatFlushesLru() {
        long[] hot = LongStream.range(0, 50).toArray();
        for (CachePolicy p : new CachePolicy[] {CachePolicy.LRU, CachePolicy.W_TINYLFU}) {
            CacheSimulator sim = new CacheSimulator(100, p);
            for (int round = 0; round < 5; round++) {
                for (long page : hot) {
                    sim.access(page);
                }
            }
            for (long page = 1000; page < 3000; page++) {
                sim.access(page); // seen once each
            }
            int kept = resident(sim, hot).length;
            if (p == CachePolicy.LRU) {
                assertEquals(0, kept, "LRU loses the hot set to the scan");
            } else {
                // a sketch sized for 100 pages, hit by 2,000 distinct ones, overcounts a few of them
                assertTrue(kept >= 45, "W-TinyLFU keeps the hot set through a scan, kept " + kept + " of 50");
            }
            assertEquals(100, sim.resident());
        }
    }

    @Test
    void tinyLfuAdmitsAPageOnceItIsMoreFrequentThanMainsVictim() {
        CacheSimulator sim = new CacheSimulator(100, CachePolicy.W_TINYLFU);
        for (long page = 0; page < 100; page++) {
            sim.access(page); // fills window and main, each seen once
        }
        for (int i = 0; i < 3; i++) {
            sim.access(500); // misses count in the sketch too: 500 is now seen 3 times
            sim.access(501 + i); // pushes 500 out of the one-page window, then competes
        }
        assertTrue(sim.contains(500), "the page seen 3 times wins over main's page seen once");
        assertFalse(sim.contains(501), "a page seen once loses to main's victim, also seen once");
    }

    private static void assertArrayEquals(long[] expected, long[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }

    private static void assertArrayEquals(long[] expected, long[] actual, String message) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, message);
    }
}
