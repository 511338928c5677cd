package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;

/**
 * One slot of an I/O thread's ring, reused for every request that passes through it (no
 * allocation per request). Filled by a submitter between claim and publish, cleared by the I/O
 * thread after completion (the ring then retains no caller buffers).
 */
final class RequestEvent {
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
