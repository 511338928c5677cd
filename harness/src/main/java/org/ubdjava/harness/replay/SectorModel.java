package org.ubdjava.harness.replay;

import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.Long2IntMap;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * What each sector of a replayed device should hold: for every sector the trace wrote or
 * discarded, the request that did it last; every other sector still reads as the backing file.
 * Sectors are trace sectors (before a VM's rotation).
 *
 * <p>A source is one int: a write's request index (0 or more), a discard's as {@code ~request}
 * (it reads as zeros), or {@link #BACKING}. Discards keep their index because a VM that starts
 * part-way through the trace must know whether a discard happened before its start.
 *
 * <p>One primitive long-to-int open hash map: no boxing, about 12 bytes per table slot at a load
 * factor of 0.75 (see {@link #tableBytes()}).
 */
final class SectorModel {
    /** The sector was never written: it reads as the backing file. */
    static final int BACKING = Integer.MIN_VALUE;

    private final Long2IntOpenHashMap lastWriter = new Long2IntOpenHashMap();

    SectorModel() {
        lastWriter.defaultReturnValue(BACKING);
    }

    void write(long first, int count, int request) {
        for (long s = first, end = first + count; s < end; s++) {
            lastWriter.put(s, request);
        }
    }

    void discard(long first, int count, int request) {
        write(first, count, ~request);
    }

    /** The source of {@code sector} after the whole trace (see the class comment). */
    int sourceOf(long sector) {
        return lastWriter.get(sector);
    }

    /** Sectors written or discarded at least once. */
    int sectors() {
        return lastWriter.size();
    }

    static boolean isWrite(int source) {
        return source >= 0;
    }

    static boolean isDiscard(int source) {
        return source < 0 && source != BACKING;
    }

    /** The request index of a write or discard source. */
    static int requestOf(int source) {
        return source >= 0 ? source : ~source;
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
