package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;

import org.ubdjava.core.io.Buffers;

/**
 * The bytes a replay writes: every sector is unique to (seed, vm, request, device sector). The
 * first 16 bytes are a readable stamp (vm, request as ints, device sector as a long); the other
 * 496 are a window of a 1 MiB random pad (SplitMix64 from the run's seed). A request's sectors
 * take consecutive windows, 512 bytes apart, from an offset drawn from (seed, vm, request), so
 * that filling or checking a run of them reads the pad in order (random windows cost a cache miss
 * a sector: the pad fills these cores' L2). A change anywhere in the sector is caught (the body is
 * compared whole with its window), and a sector that lands in the wrong place or comes from the
 * wrong write names its origin by its stamp.
 *
 * <p>Why a pad and not a stream per sector: the replay writes tens of gigabytes (the CloudPhysics
 * trace across 64 VMs writes 54 GB) and checks what it reads back; computing a SplitMix64 stream
 * for every 8 bytes made the data itself the replay's main cost. A window is one bulk copy to
 * write and a run of word compares to check.
 *
 * <p>Immutable after construction and thread-safe ({@link #fill} uses absolute puts; each thread
 * that checks many sectors takes its own {@link Checker}); nothing is allocated per sector.
 */
final class SectorData {
    static final int STAMP = 16;
    static final int BODY = SECTOR - STAMP;
    /** Window offsets, 8-byte aligned: sectors of two requests share a window with probability 2^-17. */
    private static final int OFFSETS = 1 << 17;
    private static final int SPAN = OFFSETS * Long.BYTES;

    private final long seed;
    private final ByteBuffer pad;

    SectorData(long seed) {
        this.seed = seed;
        pad = ByteBuffer.allocateDirect(SPAN + BODY);
        long state = mix(seed ^ 0x5EED5EED5EED5EEDL);
        for (int p = 0; p + Long.BYTES <= pad.capacity(); p += Long.BYTES) {
            state += 0x9E3779B97F4A7C15L;
            pad.putLong(p, mix(state));
        }
    }

    void fill(ByteBuffer buf, int at, int vm, int request, long sector) {
        buf.putInt(at, vm);
        buf.putInt(at + 4, request);
        buf.putLong(at + 8, sector);
        buf.put(at + STAMP, pad, window(vm, request, sector), BODY);
    }

    /** The first byte offset within the sector where {@code buf} differs from what {@link #fill} writes, or -1. */
    int mismatch(ByteBuffer buf, int at, int vm, int request, long sector) {
        return checker().mismatch(buf, at, vm, request, sector);
    }

    /** A checker for one thread: the vectorised compare of a body needs a view of the pad of its own. */
    Checker checker() {
        return new Checker();
    }

    /** Compares sectors with what {@link #fill} wrote, one thread's; allocates nothing per compare. */
    final class Checker {
        private final ByteBuffer view = pad.duplicate();

        /** The first byte offset within the sector where {@code buf} differs from what {@link #fill} writes, or -1. */
        int mismatch(ByteBuffer buf, int at, int vm, int request, long sector) {
            if (buf.getInt(at) != vm || buf.getInt(at + 4) != request || buf.getLong(at + 8) != sector) {
                return 0;
            }
            int w = window(vm, request, sector);
            int pos = buf.position();
            int lim = buf.limit();
            try {
                buf.limit(at + SECTOR).position(at + STAMP);
                view.limit(w + BODY).position(w);
                int m = buf.mismatch(view);
                return m < 0 ? -1 : STAMP + m;
            } finally {
                buf.limit(lim).position(pos);
            }
        }
    }

    private int window(int vm, int request, long sector) {
        return (int) ((seedOf(seed, vm, request) + sector * SECTOR) & (SPAN - Long.BYTES));
    }

    static boolean isZero(ByteBuffer buf, int at) {
        return Buffers.isZero(buf, at, SECTOR);
    }

    /** What a sector that came back holds, in words, for a mismatch message. */
    String describe(ByteBuffer buf, int at, int vms, int requests) {
        if (isZero(buf, at)) {
            return "zeros";
        }
        int vm = buf.getInt(at);
        int request = buf.getInt(at + 4);
        long sector = buf.getLong(at + 8);
        if (vm >= 0 && vm < vms && request >= 0 && request < requests && sector >= 0) {
            int bad = mismatch(buf, at, vm, request, sector);
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

    private static long seedOf(long seed, int vm, int request) {
        return mix(seed ^ mix((long) vm << 32 | (request & 0xFFFFFFFFL)));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
