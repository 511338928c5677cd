package org.ubdjava.harness.replay;

import java.nio.ByteBuffer;

import org.ubdjava.core.io.Buffers;

/**
 * The bytes a replay writes: every sector is unique to (seed, vm, request, device sector). The
 * first 16 bytes are a readable stamp (vm, request as ints, device sector as a long); the other
 * 496 are a SplitMix64 stream seeded from the stamp, so a change anywhere in the sector is caught
 * and a sector that lands in the wrong place or comes from the wrong write names its origin.
 *
 * <p>Buffers are used with absolute gets and puts in big-endian order; nothing is allocated.
 */
final class SectorData {
    static final int SECTOR = 512;
    static final int STAMP = 16;

    private SectorData() {
    }

    static void fill(ByteBuffer buf, int at, long seed, int vm, int request, long sector) {
        buf.putInt(at, vm);
        buf.putInt(at + 4, request);
        buf.putLong(at + 8, sector);
        long state = seedOf(seed, vm, request, sector);
        for (int p = at + STAMP, end = at + SECTOR; p < end; p += 8) {
            state += 0x9E3779B97F4A7C15L;
            buf.putLong(p, mix(state));
        }
    }

    /** The first byte offset within the sector where {@code buf} differs from what {@link #fill} writes, or -1. */
    static int mismatch(ByteBuffer buf, int at, long seed, int vm, int request, long sector) {
        if (buf.getInt(at) != vm || buf.getInt(at + 4) != request || buf.getLong(at + 8) != sector) {
            return 0;
        }
        long state = seedOf(seed, vm, request, sector);
        for (int p = at + STAMP, end = at + SECTOR; p < end; p += 8) {
            state += 0x9E3779B97F4A7C15L;
            if (buf.getLong(p) != mix(state)) {
                return p - at;
            }
        }
        return -1;
    }

    static boolean isZero(ByteBuffer buf, int at) {
        return Buffers.isZero(buf, at, SECTOR);
    }

    /** What a sector that came back holds, in words, for a mismatch message. */
    static String describe(ByteBuffer buf, int at, long seed, int vms, int requests) {
        if (isZero(buf, at)) {
            return "zeros";
        }
        int vm = buf.getInt(at);
        int request = buf.getInt(at + 4);
        long sector = buf.getLong(at + 8);
        if (vm >= 0 && vm < vms && request >= 0 && request < requests && sector >= 0) {
            int bad = mismatch(buf, at, seed, vm, request, sector);
            if (bad == STAMP) {
                // a stamp-shaped start but none of our stream after it: not ours (e.g. a changed sector of zeros)
                return "other bytes, first non-zero at offset " + firstNonZero(buf, at);
            }
            return "stamp vm " + vm + " request " + request + " sector " + sector
                    + (bad < 0 ? "" : " with bytes changed from offset " + bad);
        }
        return "other bytes, first non-zero at offset " + firstNonZero(buf, at);
    }

    private static int firstNonZero(ByteBuffer buf, int at) {
        for (int p = 0; p < SECTOR; p++) {
            if (buf.get(at + p) != 0) {
                return p;
            }
        }
        return -1;
    }

    private static long seedOf(long seed, int vm, int request, long sector) {
        return mix(seed ^ mix(((long) vm << 32 | (request & 0xFFFFFFFFL)) ^ mix(sector)));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
