package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;

import org.ubdjava.driver.device.ExtentSink;

/**
 * One slot of the ring, reused for every request that passes through it (no allocation per
 * request). Filled by a submitter between claim and publish. Every I/O handler looks at every slot
 * but only {@link #shard} decides whether it is its own: that field is written only by submitters,
 * so the owner may clear the rest after completion (the ring then retains no caller buffers) while
 * other handlers still look at the slot. A slot is reused only after every handler has passed it.
 */
final class RequestEvent {
    int shard;
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
        buffer = null;
        extents = null;
        completion = null;
    }
}
