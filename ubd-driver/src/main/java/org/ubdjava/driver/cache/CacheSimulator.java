package org.ubdjava.driver.cache;

/**
 * A page cache without data, for trace-driven studies: the real {@link PageIndex} and policy,
 * counting hits and misses of 4 KiB page accesses.
 */
public final class CacheSimulator {
    private final PageIndex index;
    private long hits;
    private long misses;

    public CacheSimulator(int capacityPages, CachePolicy policy) {
        index = new PageIndex(capacityPages, policy);
    }

    /** One page access; true on a hit. A miss brings the page in. */
    public boolean access(long page) {
        if (index.lookup(page) >= 0) {
            hits++;
            return true;
        }
        misses++;
        int slot = index.allocate();
        if (slot >= 0) {
            index.publish(slot, page);
        }
        return false;
    }

    /** Resident, without counting as an access. */
    public boolean contains(long page) {
        return index.contains(page);
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long evictions() {
        return index.evictions();
    }

    public int resident() {
        return index.size();
    }

    public double hitRatio() {
        long n = hits + misses;
        return n == 0 ? 0 : (double) hits / n;
    }
}
