package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;

/**
 * One slot of the ring, reused for every request that passes through it (no allocation per
 * request). Filled by a submitter between claim and publish; read by exactly one I/O handler (the
 * one that owns the disk); cleared after completion so the ring retains no caller buffers.
 */
final class RequestEvent {
    /**
     * The owning handler's index, copied from the disk at publish and never cleared: every handler
     * reads it, while only the owner reads (and then clears) the rest, possibly at the same moment.
     */
    int shard;
    Disk disk;
    IoOp op;
    long offset;
    long length;
    ByteBuffer buffer;
    Completion completion;
    long tag;

    void clear() {
        disk = null;
        op = null;
        buffer = null;
        completion = null;
    }
}
