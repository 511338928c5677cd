package org.ubdjava.export.vhost;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A split virtqueue in guest memory (virtio 1.x §2.7, include/uapi/linux/virtio_ring.h): the
 * descriptor table (16 bytes each: addr u64, len u32, flags u16, next u16), the available ring
 * (flags u16, idx u16, ring[num] u16) the guest fills, and the used ring (flags u16, idx u16,
 * ring[num] of id u32, len u32) the device fills; little-endian (VIRTIO_F_VERSION_1).
 *
 * <p>The guest writes the ring while we read it: the available index is read with acquire
 * semantics before the entries it covers, and the used index is written with release semantics
 * after the entries it publishes, so the parts are read and written through the methods here
 * only. Every value read is the guest's to choose; callers check them.
 *
 * @param num   the queue's size, a power of two
 * @param desc  the descriptor table, {@link #descBytes} long
 * @param avail the available ring, {@link #availBytes} long
 * @param used  the used ring, {@link #usedBytes} long
 */
record SplitRing(int num, ByteBuffer desc, ByteBuffer avail, ByteBuffer used) {
    static final int DESC_BYTES = 16;
    static final int DESC_ADDR = 0;
    static final int DESC_LEN = 8;
    static final int DESC_FLAGS = 12;
    static final int DESC_NEXT = 14;
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;

    static final int AVAIL_FLAGS = 0;
    static final int AVAIL_IDX = 2;
    static final int AVAIL_RING = 4;
    static final int AVAIL_ENTRY_BYTES = 2;
    static final int AVAIL_F_NO_INTERRUPT = 1;

    static final int USED_FLAGS = 0;
    static final int USED_IDX = 2;
    static final int USED_RING = 4;
    static final int USED_ELEM_BYTES = 8;
    static final int USED_ELEM_ID = 0;
    static final int USED_ELEM_LEN = 4;
    static final int USED_F_NO_NOTIFY = 1;

    /** Alignment the virtio spec requires of each part; also what atomic access to it needs. */
    static final int DESC_ALIGN = 16;
    static final int AVAIL_ALIGN = 2;
    static final int USED_ALIGN = 4;
    /** Largest queue this back-end takes (a power of two, as split queues must be). */
    static final int MAX_NUM = 1024;

    private static final VarHandle U16 = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    static long descBytes(int num) {
        return (long) DESC_BYTES * num;
    }

    /** With the used_event field that follows the ring (present whether or not EVENT_IDX is used). */
    static long availBytes(int num) {
        return AVAIL_RING + (long) AVAIL_ENTRY_BYTES * num + 2;
    }

    static long usedBytes(int num) {
        return USED_RING + (long) USED_ELEM_BYTES * num + 2;
    }

    int availIdx() {
        return Short.toUnsignedInt((short) U16.getAcquire(avail, AVAIL_IDX));
    }

    /** The head descriptor of available entry i (a free-running index). */
    int availHead(int i) {
        return Short.toUnsignedInt(avail.getShort(AVAIL_RING + AVAIL_ENTRY_BYTES * (i & (num - 1))));
    }

    long descAddr(int i) {
        return desc.getLong(i * DESC_BYTES + DESC_ADDR);
    }

    long descLen(int i) {
        return Integer.toUnsignedLong(desc.getInt(i * DESC_BYTES + DESC_LEN));
    }

    int descFlags(int i) {
        return Short.toUnsignedInt(desc.getShort(i * DESC_BYTES + DESC_FLAGS));
    }

    int descNext(int i) {
        return Short.toUnsignedInt(desc.getShort(i * DESC_BYTES + DESC_NEXT));
    }

    int usedIdx() {
        return Short.toUnsignedInt((short) U16.getAcquire(used, USED_IDX));
    }

    /** Fills used entry i (a free-running index); visible to the guest once {@link #publishUsed} covers it. */
    void putUsed(int i, int id, int len) {
        int at = USED_RING + USED_ELEM_BYTES * (i & (num - 1));
        used.putInt(at + USED_ELEM_ID, id);
        used.putInt(at + USED_ELEM_LEN, len);
    }

    void publishUsed(int idx) {
        U16.setRelease(used, USED_IDX, (short) idx);
    }

    /**
     * Asks the guest not to kick (while the device watches the ring) or to kick again. Switching
     * back on is followed by a full fence, so that the guest sees it before the device reads the
     * available index once more: either the guest then kicks, or the device sees its request
     * (the guest orders its index write before its read of these flags alike).
     */
    void suppressKicks(boolean suppress) {
        U16.setOpaque(used, USED_FLAGS, (short) (suppress ? USED_F_NO_NOTIFY : 0));
        if (!suppress) {
            VarHandle.fullFence();
        }
    }

    /** Whether the guest wants an interrupt now; read after the used index is published. */
    boolean interruptWanted() {
        VarHandle.fullFence();
        return (Short.toUnsignedInt(avail.getShort(AVAIL_FLAGS)) & AVAIL_F_NO_INTERRUPT) == 0;
    }
}
