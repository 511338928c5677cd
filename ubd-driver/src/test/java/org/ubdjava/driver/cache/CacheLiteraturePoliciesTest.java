package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.ubdjava.driver.cache.CachePolicyEvictionTest.resident;
import static org.ubdjava.driver.cache.CachePolicyEvictionTest.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ARC, SIEVE, S3-FIFO and 2Q on access patterns whose right answer is worked out by hand from the papers. */
class CacheLiteraturePoliciesTest {
    private static long[] range(long from, long to) {
        return LongStream.range(from, to).toArray();
    }

    @Test
    void sieveKeepsVisitedPagesInPlaceAndResumesWhereItStopped() {
        CacheSimulator sim = run(CachePolicy.SIEVE, 3, 1, 2, 3, 1, 4);
        assertArrayEquals(new long[] {1, 3, 4}, resident(sim, 1, 2, 3, 4), "1's bit is cleared, 2 goes");
        sim.access(5); // the hand stopped after 2: 3 goes, not 1 again
        assertArrayEquals(new long[] {1, 4, 5}, resident(sim, 1, 2, 3, 4, 5));
        sim.access(4);
        sim.access(6); // hand at 4 (visited: cleared), then 5
        assertArrayEquals(new long[] {1, 4, 6}, resident(sim, 1, 4, 5, 6));
    }

    @Test
    void s3FifoMovesTwiceHitPagesToMainAndGhostsOneHitWonders() {
        // 20 slots: small 2, main 18, ghost 18; the fill puts all 20 in small
        CacheSimulator sim = run(CachePolicy.S3_FIFO, 20, range(0, 20));
        sim.access(5);
        sim.access(5);
        for (long page = 100; page < 110; page++) {
            sim.access(page); // evicts 0-4, moves 5 to main, evicts 6-10
        }
        assertArrayEquals(new long[] {5}, resident(sim, range(0, 11)));
        assertEquals(10, sim.evictions());
        sim.access(0); // the ghost remembers 0: it goes to main, small's oldest (11) leaves
        assertTrue(sim.contains(0));
        assertFalse(sim.contains(11));
        sim.access(200); // main holds 2 of its 18: small gives up its oldest again
        assertFalse(sim.contains(12));
        assertTrue(sim.contains(0) && sim.contains(5));
    }

    @Test
    void arcKeepsPagesSeenTwiceThroughAScanAndAdaptsOnAGhostHit() {
        CacheSimulator sim = run(CachePolicy.ARC, 4, 1, 2, 1, 2, 10, 11, 12, 13, 14);
        assertArrayEquals(new long[] {1, 2, 13, 14}, resident(sim, 1, 2, 10, 11, 12, 13, 14));
        sim.access(11); // in B1 (10 was forgotten when T1 + B1 reached 4): p grows to 1, 13 goes
        assertArrayEquals(new long[] {1, 2, 11, 14}, resident(sim, 1, 2, 10, 11, 12, 13, 14));
        CacheSimulator lru = run(CachePolicy.LRU, 4, 1, 2, 1, 2, 10, 11, 12, 13, 14);
        assertArrayEquals(new long[] {11, 12, 13, 14}, resident(lru, 1, 2, 10, 11, 12, 13, 14), "LRU loses both to the scan");
    }

    @Test
    void twoQPromotesOnlyPagesReadAgainAfterLeavingA1in() {
        // 8 slots: Kin 2, Kout 4
        CacheSimulator sim = run(CachePolicy.TWO_Q, 8, range(1, 10)); // 9 evicts 1 into A1out
        assertFalse(sim.contains(1));
        sim.access(1); // remembered: goes to Am; A1in's oldest (2) makes room
        assertTrue(sim.contains(1));
        assertFalse(sim.contains(2));
        sim.access(3); // a hit in A1in changes nothing
        for (long page = 100; page < 120; page++) {
            sim.access(page); // pages seen once only pass through A1in
        }
        assertTrue(sim.contains(1), "the page in Am survives the scan");
        assertFalse(sim.contains(3), "A1in is FIFO: its hit did not save 3");
    }

    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = {"ARC", "SIEVE", "S3_FIFO", "TWO_Q"})
    void randomStreamsKeepTheBoundAndCount(CachePolicy policy) {
        SplittableRandom r = new SplittableRandom(7);
        for (int capacity : new int[] {1, 2, 5, 19, 20, 64, 257}) {
            CacheSimulator sim = new CacheSimulator(capacity, policy);
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                long page = r.nextInt(4) == 0 ? r.nextInt(capacity * 4 + 1) : r.nextInt(capacity / 2 + 1);
                boolean before = sim.contains(page);
                assertEquals(before, sim.access(page), "a hit is exactly a resident page");
                assertTrue(sim.contains(page), policy + " caches what it missed");
                assertTrue(sim.resident() <= capacity);
            }
            assertEquals(n, sim.hits() + sim.misses());
            assertEquals(sim.misses() - sim.resident(), sim.evictions(), "every miss beyond the capacity evicts one page");
        }
    }

    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = {"ARC", "SIEVE", "S3_FIFO", "TWO_Q"})
    void aCacheAsLargeAsTheWorkingSetOnlyMissesColdPages(CachePolicy policy) {
        SplittableRandom r = new SplittableRandom(3);
        CacheSimulator sim = new CacheSimulator(100, policy);
        for (int i = 0; i < 10_000; i++) {
            sim.access(r.nextInt(100));
        }
        assertEquals(100, sim.misses());
        assertEquals(0, sim.evictions());
    }
}
