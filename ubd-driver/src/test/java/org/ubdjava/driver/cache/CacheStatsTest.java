package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hits, misses, bytes and evictions, exact, per device and in total, on a pattern worked out by hand. */
class CacheStatsTest {
    @Test
    void countsAreExactOnAKnownPattern(@TempDir Path dir) throws Exception {
        CacheTestFiles files = new CacheTestFiles(dir, 1 << 20, 3);
        try (SharedPageCache cache = new SharedPageCache("back", CachePolicy.LRU, 4)) {
            CachedBackingDevice a = files.cached(cache);
            CachedBackingDevice b = files.cached(cache);
            check(files, a, 0, 8192);           // pages 0, 1: 2 misses, 8192 bytes from the file
            check(files, b, 0, 4096);           // page 0: hit (another device brought it in)
            check(files, b, 4096 + 512, 512);   // page 1: hit, 512 bytes
            check(files, a, 8192, 16384);       // pages 2-5: 4 misses; 4 and 5 evict 0 and 1 (LRU order 0, 1)
            check(files, b, 3 * 4096 + 3584, 1024); // pages 3 and 4: 2 hits, 512 bytes each
            check(files, a, 0, 4096);           // page 0 again: a miss, evicts 2

            assertEquals(new CacheStats(0, 7, 0, 8192 + 16384 + 4096, 3, 0), a.stats());
            assertEquals(new CacheStats(4, 0, 4096 + 512 + 1024, 0, 0, 0), b.stats());
            assertEquals(new CacheStats(4, 7, 4096 + 512 + 1024, 8192 + 16384 + 4096, 3, 0), cache.stats());
            assertEquals(4.0 / 11, cache.stats().hitRatio(), 1e-12);
        } finally {
            files.close();
        }
    }

    @Test
    void readAheadFetchesPagesBeyondASequentialReadAndCountsThemApart(@TempDir Path dir) throws Exception {
        CacheTestFiles files = new CacheTestFiles(dir, 1 << 20, 4);
        try (SharedPageCache cache = new SharedPageCache("back", CachePolicy.LRU, 64)) {
            CachedBackingDevice d = new CachedBackingDevice(files.fileDevice(), cache, 8, () -> { });
            check(files, d, 0, 4096);     // first read: not yet sequential, 1 miss, no read-ahead
            check(files, d, 4096, 4096);  // sequential: 1 miss + 8 pages ahead
            check(files, d, 8192, 32768); // pages 2-9: all hits
            assertEquals(new CacheStats(8, 2, 32768, 8192, 0, 8), d.stats());
        } finally {
            files.close();
        }
    }

    private static void check(CacheTestFiles files, CachedBackingDevice d, long offset, int length) throws Exception {
        byte[] got = CacheTestFiles.read(d, offset, length);
        byte[] want = java.util.Arrays.copyOfRange(files.content, (int) offset, (int) offset + length);
        assertArrayEquals(want, got);
    }
}
