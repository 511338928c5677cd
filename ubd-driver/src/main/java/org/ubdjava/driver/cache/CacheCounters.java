package org.ubdjava.driver.cache;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters, readable while I/O runs. LongAdder: the cache-wide set is bumped by every I/O
 * thread, and an uncontended add is a plain CAS on its base, allocation-free.
 */
final class CacheCounters {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder hitBytes = new LongAdder();
    final LongAdder missBytes = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder readAhead = new LongAdder();

    CacheStats snapshot() {
        return new CacheStats(hits.sum(), misses.sum(), hitBytes.sum(), missBytes.sum(), evictions.sum(), readAhead.sum());
    }
}
