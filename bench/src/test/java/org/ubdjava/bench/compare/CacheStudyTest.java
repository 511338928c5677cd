package org.ubdjava.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ubdjava.driver.cache.CachePolicy;

/** The shared-vs-private study on traces small enough to count by hand. */
class CacheStudyTest {
    /** Ten one-page reads of pages 0-9, no writes. */
    private static TracePages tenReads() {
        int n = 10;
        boolean[] w = new boolean[n];
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return new TracePages(n, w, p, p.clone());
    }

    @Test
    void clonesReadingTheSamePagesHitInASharedCacheAndNeverInPrivateOnes() {
        CacheStudy s = new CacheStudy(tenReads());
        // every VM reads each page once: a private cache never sees a page twice
        assertEquals(0.0, s.privateHitRatio(4, CachePolicy.LRU, 10));
        // shared, 10 pages: the first VM to read a page misses, the other three hit: 30 of 40
        assertEquals(0.75, s.sharedHitRatio(4, CachePolicy.LRU, 10), 1e-12);
    }

    @Test
    void aVmsOwnWritesHideTheBackingFromItsLaterReads() {
        // write page 0, then read it: the read goes to the VM's COW file, not the backing cache
        TracePages t = new TracePages(2, new boolean[] {true, false}, new int[] {0, 0}, new int[] {0, 0});
        CacheStudy s = new CacheStudy(t);
        // VM 0: W0 then R0 (hidden). VM 1 starts at record 1: R0 (a miss: it has not written), then W0
        assertEquals(0.0, s.sharedHitRatio(2, CachePolicy.LRU, 4));
        assertEquals(0.0, s.privateHitRatio(1, CachePolicy.LRU, 4), "no backing read at all counts as ratio 0");
    }

    @Test
    void theMatchIsTheSmallestSharedSizeReachingThePrivateHitRatio() {
        CacheStudy s = new CacheStudy(tenReads());
        CacheStudy.Result r = s.run(4, CachePolicy.LRU, new int[] {1}, 1);
        CacheStudy.Match m = r.matches().get(0);
        assertEquals(0.0, m.privateHitRatio());
        assertTrue(m.atMost(), "ratio 0 is reached by the smallest shared size on the ladder");
        assertEquals(16L << 12, m.sharedBytes());
    }
}
