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

    void clear() {
        disk = null;
        op = null;
        flags = 0;
        buffer = null;
        extents = null;
        completion = null;
    }
}
