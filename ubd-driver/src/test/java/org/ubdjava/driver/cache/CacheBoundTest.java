package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The cache never holds more than its bound, and its memory is off the heap. */
class CacheBoundTest {
    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void residentPagesNeverExceedTheBound(CachePolicy policy, @TempDir Path dir) throws Exception {
        CacheTestFiles files = new CacheTestFiles(dir, 4 << 20, 7);
        try (SharedPageCache cache = new SharedPageCache("back", policy, 100)) {
            CachedBackingDevice dev = files.cached(cache);
            Random r = new Random(1);
            for (int i = 0; i < 5000; i++) {
                dev.read(4096L * r.nextInt(1024 - 16), java.nio.ByteBuffer.allocateDirect(4096 * (1 + r.nextInt(16))));
                assertTrue(cache.residentPages() <= 100);
            }
            assertEquals(100, cache.residentPages(), "a full cache keeps every slot in use");
            assertEquals(cache.stats().misses() - 100, cache.stats().evictions(), "every miss past the first 100 evicts one page");
        } finally {
            files.close();
        }
    }

    @Test
    void pageMemoryIsDirectAndExactlyTheBound() {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        try (SharedPageCache cache = new SharedPageCache("back", CachePolicy.LRU, 2560)) {
            assertEquals(10L << 20, cache.capacityBytes());
            assertEquals(10L << 20, direct.getMemoryUsed() - before);
        }
        assertEquals(before, direct.getMemoryUsed(), "close gives the memory back at once");
    }

    @Test
    void configRejectsACacheSmallerThanAPage() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CacheConfig.of(CachePolicy.LRU, 100));
        assertEquals(false, CacheConfig.off().enabled());
    }
}
