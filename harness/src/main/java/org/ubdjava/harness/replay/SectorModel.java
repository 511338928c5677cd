package org.ubdjava.harness.replay;

import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.Long2IntMap;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * What each sector of a replayed device should hold: for every sector the trace wrote or
 * discarded, the index of the request that did it last ({@link #ZEROS} for a discard); every other
 * sector still reads as the backing file. Sectors are trace sectors (before a VM's rotation).
 *
 * <p>One primitive long-to-int open hash map: no boxing, about 12 bytes per table slot at a load
 * factor of 0.75 (see {@link #tableBytes()}).
 */
final class SectorModel {
    /** The sector was discarded last: it reads as zeros. */
    static final int ZEROS = -1;
    /** The sector was never written: it reads as the backing file. */
    static final int BACKING = -2;

    private final Long2IntOpenHashMap lastWriter = new Long2IntOpenHashMap();

    SectorModel() {
        lastWriter.defaultReturnValue(BACKING);
    }

    void write(long first, int count, int request) {
        for (long s = first, end = first + count; s < end; s++) {
            lastWriter.put(s, request);
        }
    }

    void discard(long first, int count) {
        write(first, count, ZEROS);
    }

    /** The request that wrote {@code sector} last, {@link #ZEROS} or {@link #BACKING}. */
    int sourceOf(long sector) {
        return lastWriter.get(sector);
    }

    /** Sectors written or discarded at least once. */
    int sectors() {
        return lastWriter.size();
    }

    Long2IntMap view() {
        return lastWriter;
    }

    /** Bytes of the hash table's arrays (keys, values) for the current size: what the model costs. */
    long tableBytes() {
        long slots = HashCommon.arraySize(Math.max(lastWriter.size(), 1), Long2IntOpenHashMap.DEFAULT_LOAD_FACTOR) + 1L;
        return slots * (Long.BYTES + Integer.BYTES);
    }
}
