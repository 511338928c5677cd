package org.ubdjava.driver.queue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.device.AllocationUnitDevice;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.WaitStrategy;

/**
 * How a {@link UbdDriver} is built: its I/O threads and their rings, and what every device stack
 * it attaches shares. The defaults are sized for these 2-core machines.
 *
 * @param ringSize           slots of each I/O thread's ring
 * @param waitStrategies     one per I/O thread's ring
 * @param cache              the shared backing cache: off by default ({@link CacheConfig#off()})
 * @param directBackingReads read backing files with O_DIRECT, past the host's page cache (off by
 *                           default; for measuring backing files the host cannot keep cached)
 * @param allocationUnit     bytes by which writable COW files grow ({@link AllocationUnitDevice}); 0, the
 *                           default, lets the file system allocate block by block, as the kernel's files do
 */
public record DriverConfig(int ringSize, int ioThreads, Supplier<WaitStrategy> waitStrategies, CacheConfig cache,
                           boolean directBackingReads, long allocationUnit) {
    public DriverConfig {
        AllocationUnitDevice.requireUnit(allocationUnit);
        cache = cache == null ? CacheConfig.off() : cache;
    }

    /** Every I/O thread's ring waits with the one {@code waitStrategy} (the Disruptor's strategies may be shared). */
    public DriverConfig(int ringSize, int ioThreads, WaitStrategy waitStrategy) {
        this(ringSize, ioThreads, () -> waitStrategy, CacheConfig.off());
    }

    public DriverConfig(int ringSize, int ioThreads, Supplier<WaitStrategy> waitStrategies, CacheConfig cache) {
        this(ringSize, ioThreads, waitStrategies, cache, false, 0);
    }

    public static DriverConfig defaults() {
        return new DriverConfig(4096, 1, BlockingWaitStrategy::new, CacheConfig.off());
    }

    public DriverConfig withCache(CacheConfig c) {
        return new DriverConfig(ringSize, ioThreads, waitStrategies, c, directBackingReads, allocationUnit);
    }

    public DriverConfig withDirectBackingReads(boolean direct) {
        return new DriverConfig(ringSize, ioThreads, waitStrategies, cache, direct, allocationUnit);
    }

    /** COW files that grow by {@code bytes} at a time (0: block by block); see {@link AllocationUnitDevice}. */
    public DriverConfig withAllocationUnit(long bytes) {
        return new DriverConfig(ringSize, ioThreads, waitStrategies, cache, directBackingReads, bytes);
    }

    /**
     * I/O threads that keep watching their ring after it empties, spinning for {@code poll} then
     * yielding for as long, before they sleep (QEMU's IOThread poll-max-ns). A request submitted
     * within the window is taken without waking a sleeping thread, which on these virtual machines
     * costs about 25 us a wake-up (a park/unpark round trip measured 50 us): more than the rest of
     * a 4 KiB read served from the page cache. The price is up to twice {@code poll} of a core
     * after each burst. Zero is the default, a thread that sleeps at once.
     */
    public DriverConfig withPolling(Duration poll) {
        long nanos = poll.toNanos();
        if (nanos < 0) {
            throw new IllegalArgumentException("polling time must not be negative, not " + poll);
        }
        Supplier<WaitStrategy> w = nanos == 0 ? BlockingWaitStrategy::new
                : () -> PhasedBackoffWaitStrategy.withLock(nanos, nanos, TimeUnit.NANOSECONDS);
        return new DriverConfig(ringSize, ioThreads, w, cache, directBackingReads, allocationUnit);
    }
}
