package org.ubdjava.harness.replay;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers for one worker's requests, reused by power-of-two size class, so the steady
 * state allocates nothing. The worker's in-flight data is bounded by {@code budget} bytes (a
 * thousand VMs with 16 requests of 64 KiB each would otherwise pin a gigabyte); a request that
 * finds the budget spent waits until a buffer comes back. A single request larger than the
 * budget is still served when nothing else is out, so progress never stops.
 *
 * <p>Not thread-safe: used by its worker only.
 */
final class BufferPool {
    private final long budget;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[32];
    private long allocated;
    private long out;

    BufferPool(long budget) {
        this.budget = budget;
        for (int i = 0; i < free.length; i++) {
            free[i] = new ArrayDeque<>();
        }
    }

    /** A buffer with position 0 and limit {@code bytes}, or null when the budget is spent. */
    ByteBuffer take(int bytes) {
        int cls = 32 - Integer.numberOfLeadingZeros(Math.max(bytes, SectorData.SECTOR) - 1);
        ByteBuffer b = free[cls].pollFirst();
        if (b == null) {
            long size = 1L << cls;
            if (allocated + size > budget && out > 0) {
                return null;
            }
            if (allocated + size > budget) {
                trim();
            }
            b = ByteBuffer.allocateDirect((int) size);
            allocated += size;
        }
        out++;
        b.clear().limit(bytes);
        return b;
    }

    void give(ByteBuffer b) {
        out--;
        free[Integer.numberOfTrailingZeros(b.capacity())].addFirst(b);
    }

    /** Drops idle buffers (of other sizes) so a new size class can have the budget. */
    private void trim() {
        for (ArrayDeque<ByteBuffer> q : free) {
            ByteBuffer b;
            while ((b = q.pollFirst()) != null) {
                allocated -= b.capacity();
            }
        }
    }
}
