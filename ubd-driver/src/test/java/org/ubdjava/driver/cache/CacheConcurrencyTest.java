package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads, each its own device over one shared cache much smaller than the file (so slots
 * are evicted and refilled under readers all the time), read random 512-aligned ranges: every
 * byte must equal the file's.
 */
class CacheConcurrencyTest {
    private static final int FILE = 8 << 20;
    private static final int THREADS = 8;
    private static final int READS = 4000;

    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void concurrentReadersThroughOneSmallCacheSeeTheFile(CachePolicy policy, @TempDir Path dir) throws Exception {
        CacheTestFiles files = new CacheTestFiles(dir, FILE, 42);
        SharedPageCache cache = new SharedPageCache("back", policy, 64); // 256 KiB for an 8 MiB file
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int seed = t;
                done.add(pool.submit(() -> readAndCheck(files, cache, seed)));
            }
            int checked = 0;
            for (Future<Integer> f : done) {
                checked += f.get();
            }
            assertEquals(THREADS * READS, checked);
            CacheStats s = cache.stats();
            assertTrue(s.hits() > 0 && s.evictions() > 0, "the pattern must both hit and evict: " + s);
            assertTrue(cache.residentPages() <= 64);
        } finally {
            pool.shutdownNow();
            cache.close();
            files.close();
        }
    }

    /**
     * The race the stamps exist for: four slots, 64 pages, and threads copying pages out while
     * others evict and refill those very slots. Without the stamp check, torn pages get through.
     */
    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aReaderNeverKeepsAPageEvictedUnderIt(CachePolicy policy, @TempDir Path dir) throws Exception {
        CacheTestFiles files = new CacheTestFiles(dir, 64 * 4096, 9);
        SharedPageCache cache = new SharedPageCache("back", policy, 4);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    CachedBackingDevice dev = files.cached(cache);
                    Random r = new Random(seed);
                    ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                    byte[] got = new byte[4096];
                    for (int i = 0; i < 40_000; i++) {
                        int page = r.nextInt(8) + (i % 64 == 0 ? r.nextInt(56) : 0);
                        buf.clear();
                        dev.read(page * 4096L, buf);
                        buf.get(0, got);
                        if (!Arrays.equals(got, 0, 4096, files.content, page * 4096, page * 4096 + 4096)) {
                            throw new AssertionError("page " + page + " torn");
                        }
                    }
                    return 1;
                }));
            }
            for (Future<Integer> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            cache.close();
            files.close();
        }
    }

    private static int readAndCheck(CacheTestFiles files, SharedPageCache cache, int seed) throws Exception {
        CachedBackingDevice dev = files.cached(cache);
        Random r = new Random(seed);
        ByteBuffer buf = ByteBuffer.allocateDirect(128 * 1024);
        byte[] got = new byte[128 * 1024];
        int ok = 0;
        for (int i = 0; i < READS; i++) {
            // a hot region half the time, so pages are shared and re-read while others evict them
            int sectors = 1 + r.nextInt(i % 3 == 0 ? 256 : 16);
            int region = r.nextBoolean() ? 512 * 1024 : FILE;
            long offset = 512L * r.nextInt((region - sectors * 512) / 512 + 1);
            int length = sectors * 512;
            buf.clear().limit(length);
            dev.read(offset, buf);
            buf.get(0, got, 0, length);
            if (!Arrays.equals(got, 0, length, files.content, (int) offset, (int) offset + length)) {
                throw new AssertionError("device " + seed + " read " + length + " at " + offset + " wrong");
            }
            ok++;
        }
        return ok;
    }
}
