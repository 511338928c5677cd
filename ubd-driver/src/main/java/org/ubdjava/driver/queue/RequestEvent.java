package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;

import org.ubdjava.driver.device.ExtentSink;

/**
 * One slot of an I/O thread's ring, reused for every request that passes through it (no
 * allocation per request). Filled by a submitter between claim and publish, cleared by the I/O
 * thread after completion (the ring then retains no caller buffers).
 */
final class RequestEvent {
    Disk disk;
    IoOp op;
    /** {@link IoOp#FUA}, {@link IoOp#FAST_ZERO}. */
    int flags;
    long offset;
    long length;
    ByteBuffer buffer;
    /** For {@link IoOp#EXTENTS} only. */
    ExtentSink extents;
    Completion completion;
    long tag;
    /**
     * Not a request: the offload finished the call {@link #disk} was held behind, and its I/O
     * thread completes it and runs the disk's waiting requests ({@link Offload}).
     */
    boolean resume;

    void copyFrom(RequestEvent o) {
        disk = o.disk;
        op = o.op;
        flags = o.flags;
        offset = o.offset;
        length = o.length;
        buffer = o.buffer;
        extents = o.extents;
        completion = o.completion;
        tag = o.tag;
    }

    void clear() {
        resume = false;
        disk = null;
        op = null;
        flags = 0;
        buffer = null;
        extents = null;
        completion = null;
    }
}
