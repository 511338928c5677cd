package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

import java.nio.ByteBuffer;

import org.ubdjava.driver.device.ExtentSink;

/**
 * One request of one connection, from the header read to the reply written. Slots are reused: a
 * connection owns a fixed set, which bounds both its requests in flight and its buffer memory.
 *
 * <p>Hand-over, each step a happens-before edge through a blocking queue or the driver's ring:
 * reader fills it, the driver executes it and sets {@link #error}, the writer replies and frees it.
 *
 * <p>For block status it is also the {@link ExtentSink} the device reports to, on the I/O thread:
 * it writes the reply's payload (context id, then descriptors) into its own buffer, merging
 * neighbours of equal status, up to the descriptors it may send.
 */
final class NbdRequest implements ExtentSink {
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
    private int maxDescriptors;
    private int descriptors;
    private int lastStatus;
    /** An extent did not fit: the reply ends before it, so nothing after it may be merged in. */
    private boolean full;

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

    /** Starts a block status payload of at most {@code max} descriptors; the device fills it through {@link #extent}. */
    ExtentSink blockStatus(int max) {
        maxDescriptors = max;
        descriptors = 0;
        full = false;
        buffer(BLOCK_STATUS_HEADER_BYTES + max * DESCRIPTOR_BYTES).putInt(0, BASE_ALLOCATION_ID);
        return this;
    }

    /** The device's allocation as base:allocation status: a hole is NBD_STATE_HOLE, zeros NBD_STATE_ZERO; where it comes from is not this context's business. */
    @Override
    public void extent(long offset, long length, int flags) {
        int status = ((flags & ExtentSink.HOLE) != 0 ? NBD_STATE_HOLE : 0) | ((flags & ExtentSink.ZERO) != 0 ? NBD_STATE_ZERO : 0);
        if (full) {
            return;
        }
        int at = BLOCK_STATUS_HEADER_BYTES + (descriptors - 1) * DESCRIPTOR_BYTES;
        if (descriptors > 0 && status == lastStatus) {
            // lengths sum to at most the request's, a 32-bit number: the sum fits
            data.putInt(at, (int) (Integer.toUnsignedLong(data.getInt(at)) + length));
        } else if (descriptors < maxDescriptors) {
            data.putInt(at + DESCRIPTOR_BYTES, (int) length).putInt(at + DESCRIPTOR_BYTES + 4, status);
            descriptors++;
            lastStatus = status;
        } else {
            full = true;
        }
    }

    /** The block status payload as it goes on the wire (a device that reported nothing: all of it, status 0, always true). */
    ByteBuffer blockStatusPayload() {
        if (descriptors == 0) {
            data.putInt(BLOCK_STATUS_HEADER_BYTES, (int) length).putInt(BLOCK_STATUS_HEADER_BYTES + 4, 0);
            descriptors = 1;
        }
        return data.position(0).limit(BLOCK_STATUS_HEADER_BYTES + descriptors * DESCRIPTOR_BYTES);
    }

    void done() {
        data = null;
        error = 0;
    }
}
