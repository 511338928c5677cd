package org.ubdjava.driver.cache;

/**
 * The shared backing cache's setting for a driver: off by default (the host's page cache alone
 * serves the backing file; `ubd bench` shows when a cache of our own pays).
 *
 * @param policy          eviction policy; {@link CachePolicy#NONE} means no cache layer at all
 * @param bytesPerBacking the bound of each backing file's cache (all devices on it share it)
 * @param readAheadPages  pages fetched beyond a sequential read's end on a miss; 0 for none
 * @param perDevice       each device gets a cache of its own of {@code bytesPerBacking} instead of
 *                        sharing its backing file's (the private caches a shared one is compared with)
 */
public record CacheConfig(CachePolicy policy, long bytesPerBacking, int readAheadPages, boolean perDevice) {
    public CacheConfig(CachePolicy policy, long bytesPerBacking, int readAheadPages) {
        this(policy, bytesPerBacking, readAheadPages, false);
    }

    public CacheConfig {
        if (policy != CachePolicy.NONE && bytesPerBacking < PageArena.PAGE) {
            throw new IllegalArgumentException("a cache needs at least one 4 KiB page, got " + bytesPerBacking + " bytes");
        }
        if (bytesPerBacking >> PageArena.PAGE_SHIFT > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cache too large: " + bytesPerBacking + " bytes");
        }
        if (readAheadPages < 0) {
            throw new IllegalArgumentException("read-ahead must not be negative");
        }
    }

    public static CacheConfig off() {
        return new CacheConfig(CachePolicy.NONE, 0, 0);
    }

    public static CacheConfig of(CachePolicy policy, long bytes) {
        return new CacheConfig(policy, bytes, 0);
    }

    /** A cache of {@code bytes} for each device on its own. */
    public static CacheConfig privateOf(CachePolicy policy, long bytes) {
        return new CacheConfig(policy, bytes, 0, true);
    }

    public boolean enabled() {
        return policy != CachePolicy.NONE;
    }

    int pages() {
        return (int) (bytesPerBacking >> PageArena.PAGE_SHIFT);
    }
}
