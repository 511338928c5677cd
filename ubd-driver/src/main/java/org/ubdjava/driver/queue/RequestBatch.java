package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Requests gathered by one submitter and published together ({@link UbdDriver#trySubmit(RequestBatch)}):
 * one claim of the ring and one publish for all of them, so the I/O threads see them as one batch
 * and are woken at most once. Reusable: {@link #clear} after a submit and fill it again, nothing is
 * allocated in the steady state.
 *
 * <p>Arguments are checked here, when a request is added, so that the driver never claims a slot
 * it then cannot fill; every request of a batch must go to one I/O thread (one ring). Not
 * thread-safe: one submitter fills and submits it.
 */
public final class RequestBatch {
    private final int capacity;
    private final Disk[] disks;
    private final IoOp[] ops;
    private final long[] offsets;
    private final long[] lengths;
    private final ByteBuffer[] buffers;
    private final Completion[] completions;
    private final long[] tags;
    private int size;

    public RequestBatch(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a batch holds at least one request, not " + capacity);
        }
        this.capacity = capacity;
        disks = new Disk[capacity];
        ops = new IoOp[capacity];
        offsets = new long[capacity];
        lengths = new long[capacity];
        buffers = new ByteBuffer[capacity];
        completions = new Completion[capacity];
        tags = new long[capacity];
    }

    /** Adds a request (arguments as {@link UbdDriver#trySubmit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}). */
    public RequestBatch add(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        if (size == capacity) {
            throw new IllegalStateException("request batch full (" + capacity + " requests): submit it first");
        }
        RequestRings.checkRequest(disk, op, buffer, completion);
        if (size > 0 && disk.rings != disks[0].rings) {
            throw new IllegalArgumentException("a batch goes to one driver: " + disk.name() + " and " + disks[0].name()
                    + " are attached to different ones");
        }
        if (size > 0 && disk.shard != disks[0].shard) {
            throw new IllegalArgumentException("a batch goes to one I/O thread: " + disk.name() + " is on "
                    + disk.shard + ", " + disks[0].name() + " on " + disks[0].shard);
        }
        disks[size] = disk;
        ops[size] = op;
        offsets[size] = offset;
        lengths[size] = length;
        buffers[size] = buffer;
        completions[size] = completion;
        tags[size] = tag;
        size++;
        return this;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Forgets the requests (and the references to their buffers and completions). */
    public void clear() {
        Arrays.fill(disks, 0, size, null);
        Arrays.fill(buffers, 0, size, null);
        Arrays.fill(completions, 0, size, null);
        size = 0;
    }

    Disk disk(int i) {
        return disks[i];
    }

    /** The I/O thread every request of the batch goes to (they all share one). */
    int ioThread() {
        return disks[0].shard;
    }

    void copyTo(int i, RequestEvent e) {
        e.disk = Objects.requireNonNull(disks[i]);
        e.op = ops[i];
        e.flags = 0;
        e.extents = null;
        e.offset = offsets[i];
        e.buffer = buffers[i];
        e.length = lengths[i];
        e.completion = completions[i];
        e.tag = tags[i];
    }
}
