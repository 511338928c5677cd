package org.ubdjava.bench.compare;

import org.ubdjava.bench.Xorshift;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.HdrHistogram.Histogram;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.cache.CachedBackingDevice;
import org.ubdjava.driver.cache.SharedPageCache;
import org.ubdjava.driver.device.FileDevice;

/**
 * The cache layer alone, without the request queue: one thread reading 4 KiB at random offsets
 * through a {@link CachedBackingDevice} whose shared cache holds the whole file, i.e. every read
 * served from the cache. Compared with the raw pread loop, it says what a cache hit costs
 * against a warm host page cache hit; the driver rows add the queue's thread hand-offs to both.
 */
final class DeviceLoop {
    private DeviceLoop() {
    }

    static Measurement cacheHits(FileChannel backing, CacheConfig config, long warmMillis, long measureMillis) throws IOException {
        long size = backing.size();
        try (SharedPageCache cache = new SharedPageCache("bench", config.policy(), (int) (size >>> 12))) {
            CachedBackingDevice d = new CachedBackingDevice(new FileDevice(new ChannelIo(backing), 0, size, true), cache, 0, () -> { });
            ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += big.capacity()) {
                big.clear();
                d.read(at, big);
            }
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            Xorshift rng = new Xorshift(7);
            Histogram h = new Histogram(3);
            long blocks = size >>> 12;
            long warmEnd = System.nanoTime() + warmMillis * 1_000_000;
            while (System.nanoTime() < warmEnd) {
                b.clear();
                d.read(rng.next(blocks) << 12, b);
            }
            long hits0 = d.stats().hits();
            long ops = 0;
            long t0 = System.nanoTime();
            long end = t0 + measureMillis * 1_000_000;
            long now;
            while ((now = System.nanoTime()) < end) {
                b.clear();
                d.read(rng.next(blocks) << 12, b);
                h.recordValue(System.nanoTime() - now);
                ops++;
            }
            double hitRatio = (double) (d.stats().hits() - hits0) / ops;
            return new Measurement(BenchSystem.CACHE_LAYER, Workload.RAND_READ_EMPTY, 1, 1, ops, ops * 4096, (now - t0) / 1e9,
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, hitRatio, Double.NaN,
                    "CachedBackingDevice.read loop, one thread, no queue (" + config.policy() + ")");
        }
    }
}
