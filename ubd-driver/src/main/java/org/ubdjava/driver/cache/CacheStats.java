package org.ubdjava.driver.cache;

/**
 * Counts of a cache, or of one device's use of it, at one moment. Hits and misses count 4 KiB
 * pages; bytes count what requests got from the cache or from the file.
 *
 * @param readAhead pages fetched ahead of a sequential reader (not counted as misses)
 */
public record CacheStats(long hits, long misses, long hitBytes, long missBytes, long evictions, long readAhead) {
    public double hitRatio() {
        long n = hits + misses;
        return n == 0 ? 0 : (double) hits / n;
    }

    public CacheStats plus(CacheStats o) {
        return new CacheStats(hits + o.hits, misses + o.misses, hitBytes + o.hitBytes, missBytes + o.missBytes,
                evictions + o.evictions, readAhead + o.readAhead);
    }

    public static CacheStats zero() {
        return new CacheStats(0, 0, 0, 0, 0, 0);
    }
}
