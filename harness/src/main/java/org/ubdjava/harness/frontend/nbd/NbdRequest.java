package org.ubdjava.harness.frontend.nbd;

import java.nio.ByteBuffer;

/**
 * One request of one connection, from the header read to the reply written. Slots are reused: a
 * connection owns a fixed set, which bounds both its requests in flight and its buffer memory.
 *
 * <p>Hand-over, each step a happens-before edge through a blocking queue or the driver's ring:
 * reader fills it, the driver executes it and sets {@link #error}, the writer replies and frees it.
 */
final class NbdRequest {
    /** Payload buffers up to this size stay with the slot; larger ones are allocated for one request. */
    static final int KEPT_BUFFER = 1 << 20;

    final int slot;
    int type;
    int flags;
    long handle;
    long offset;
    long length;
    /** NBD error value for the reply; 0 for success. */
    int error;
    /** READ: the data to send; WRITE: the data received. Position to limit is the payload. */
    ByteBuffer data;
    private ByteBuffer kept;

    NbdRequest(int slot) {
        this.slot = slot;
    }

    /** A direct buffer of exactly {@code bytes} remaining, reused across requests when small enough. */
    ByteBuffer buffer(int bytes) {
        if (bytes > KEPT_BUFFER) {
            return data = ByteBuffer.allocateDirect(bytes);
        }
        if (kept == null || kept.capacity() < bytes) {
            kept = ByteBuffer.allocateDirect(Math.max(Integer.highestOneBit(Math.max(bytes, 1) - 1) << 1, 4096));
        }
        return data = kept.clear().limit(bytes);
    }

    void done() {
        data = null;
        error = 0;
    }
}
