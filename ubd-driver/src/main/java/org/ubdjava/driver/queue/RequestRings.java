package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.driver.device.ExtentSink;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;

/**
 * Where requests go in: the I/O threads' rings, and the publishing of a request into its disk's
 * ring (claim a slot, fill it, publish it), with the backpressure of a full ring or of a disk held
 * behind its offloaded call. Also the gate that makes a submit and the shutdown atomic: a request
 * is either refused or in a ring that the shutdown drains.
 *
 * <p>Everything that could throw between claim and publish is checked before the claim: a claimed
 * slot left unpublished stops its I/O thread at it, for every disk of that thread, for good.
 */
final class RequestRings {
    /** Index: I/O thread ({@link Disk#ioThread()}). */
    private final IoRing[] rings;
    private volatile boolean closed;
    /**
     * Submitters between their closed check and their publish. With {@link #closed} it makes
     * submit and shutdown atomic: a submitter counts itself in, then looks at closed; shutdown sets
     * closed, then waits for the count to reach zero before it stops the I/O threads. Either the
     * submitter sees closed and is refused, or shutdown sees it and waits until its request is in
     * the ring, which it then drains (both fields are volatile: the orders cannot cross).
     */
    private final AtomicInteger submitting = new AtomicInteger();

    RequestRings(DriverConfig config, DriverStats stats, Offload offload) {
        rings = new IoRing[config.ioThreads()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new IoRing(i, config.ringSize(), config.waitStrategies().get(), stats, offload);
        }
    }

    int ioThreads() {
        return rings.length;
    }

    int ringSize() {
        return rings[0].ring.getBufferSize();
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
    }

    /** Checks a request's arguments, before any slot is claimed for it (see the class comment). */
    static void checkRequest(Disk disk, IoOp op, ByteBuffer buffer, Completion completion) {
        checkRequest(disk, op, buffer);
        if (completion == null) {
            throw new NullPointerException("submit: " + op + " on " + disk.name() + " without a completion");
        }
        DirectPath direct = disk.direct;
        if (direct != null) {
            throw new IllegalStateException("submit: " + disk.name() + "'s requests run on its direct path (" + direct
                    + "): a request through the ring would run beside them; close the direct path first");
        }
    }

    /** The checks a request needs wherever it runs. */
    static void checkRequest(Disk disk, IoOp op, ByteBuffer buffer) {
        if (disk == null) {
            throw new NullPointerException("submit: disk is null");
        }
        if (op == null) {
            throw new NullPointerException("submit: operation on " + disk.name() + " is null");
        }
        if (buffer == null && (op == IoOp.READ || op == IoOp.WRITE)) {
            throw new NullPointerException("submit: " + op + " on " + disk.name() + " without a buffer");
        }
        if (op == IoOp.EXTENTS) {
            throw new IllegalArgumentException("submit: an EXTENTS request on " + disk.name() + " needs a sink: submitExtents");
        }
    }

    void checkOwn(Disk disk) {
        if (disk.rings != this) {
            throw new IllegalArgumentException("submit: " + disk.name() + " is not attached to this driver");
        }
    }

    /** A blocking submit on an I/O thread could wait for room that only that thread can free. */
    private static void checkMayBlock() {
        if (Thread.currentThread() instanceof IoRing.IoThread io) {
            throw new IllegalStateException("submit: blocking submit on I/O thread " + io.getName()
                    + " (from a completion?): it could wait for room only this thread can free; use trySubmit, or submit from another thread");
        }
    }

    /** See {@link UbdDriver#trySubmit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}. */
    boolean trySubmit(Disk disk, IoOp op, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        checkRequest(disk, op, buffer, completion);
        checkOwn(disk);
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        submitting.incrementAndGet();
        try {
            checkOpen();
            if (full(disk, ring)) {
                return false;
            }
            long seq;
            try {
                seq = ring.tryNext();
            } catch (InsufficientCapacityException e) {
                return false;
            }
            fill(ring, seq, disk, op, 0, offset, buffer, length, null, completion, tag);
            return true;
        } finally {
            submitting.decrementAndGet();
        }
    }

    /** See {@link UbdDriver#trySubmit(RequestBatch)}. */
    boolean trySubmit(RequestBatch batch) {
        int n = batch.size();
        if (n == 0) {
            checkOpen();
            return true;
        }
        checkOwn(batch.disk(0)); // the batch holds disks of one driver, one I/O thread
        RingBuffer<RequestEvent> ring = rings[batch.ioThread()].ring;
        if (n > ring.getBufferSize()) {
            throw new IllegalArgumentException("a batch of " + n + " requests cannot fit a ring of " + ring.getBufferSize());
        }
        submitting.incrementAndGet();
        try {
            checkOpen();
            for (int i = 0; i < n; i++) {
                if (full(batch.disk(i), ring)) {
                    return false;
                }
            }
            long hi;
            try {
                hi = ring.tryNext(n);
            } catch (InsufficientCapacityException e) {
                return false;
            }
            long lo = hi - n + 1;
            try {
                for (int i = 0; i < n; i++) {
                    batch.copyTo(i, ring.get(lo + i));
                }
            } finally {
                ring.publish(lo, hi); // a claimed slot is always published (the batch checked its requests when they were added)
            }
            return true;
        } finally {
            submitting.decrementAndGet();
        }
    }

    /** See {@link UbdDriver#submit(Disk, IoOp, int, long, ByteBuffer, long, Completion, long)}. */
    void submit(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long length, Completion completion, long tag) {
        checkRequest(disk, op, buffer, completion);
        checkOwn(disk);
        checkMayBlock();
        publish(disk, op, flags, offset, buffer, length, null, completion, tag);
    }

    /**
     * Publishes a flush of a disk whose direct path is being opened, past the check that refuses
     * its ring requests from now on: it completes after every request submitted before it.
     */
    void drain(Disk disk, Completion completion) {
        checkOwn(disk);
        checkMayBlock();
        publish(disk, IoOp.FLUSH, 0, 0, null, 0, null, completion, 0);
    }

    /** See {@link UbdDriver#submitExtents}. */
    void submitExtents(Disk disk, long offset, long length, ExtentSink sink, Completion completion, long tag) {
        if (disk == null || sink == null || completion == null) {
            throw new NullPointerException(disk == null ? "submit: disk is null" : sink == null ? "submitExtents: sink is null"
                    : "submitExtents: on " + disk.name() + " without a completion");
        }
        checkOwn(disk);
        checkMayBlock();
        if (disk.direct != null) {
            throw new IllegalStateException("submitExtents: " + disk.name() + "'s requests run on its direct path; close it first");
        }
        publish(disk, IoOp.EXTENTS, 0, offset, null, length, sink, completion, tag);
    }

    /** Publishes one request, waiting for room. */
    private void publish(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long length, ExtentSink sink,
                         Completion completion, long tag) {
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        submitting.incrementAndGet();
        try {
            checkOpen();
            while (full(disk, ring)) {
                LockSupport.parkNanos(50_000);
                checkOpen();
            }
            fill(ring, ring.next(), disk, op, flags, offset, buffer, length, sink, completion, tag);
        } finally {
            submitting.decrementAndGet();
        }
    }

    /**
     * Whether the disk already has a ring's worth of requests waiting behind its own offloaded call
     * (they leave the ring, so the ring's room no longer bounds them): then it takes no more until
     * the call is back, as a full ring would.
     */
    private static boolean full(Disk disk, RingBuffer<RequestEvent> ring) {
        return disk.waitingCount >= ring.getBufferSize();
    }

    /**
     * Publishes the resume event of a disk whose offloaded call is back (on the offload thread).
     * It may wait for room: the I/O thread, the ring's only consumer, never waits for this one.
     * Not counted in {@link #submitting}: shutdown waits for every held disk ({@link IoRing#shutdown}).
     */
    void resume(Disk disk) {
        RingBuffer<RequestEvent> ring = rings[disk.shard].ring;
        long seq = ring.next();
        try {
            RequestEvent e = ring.get(seq);
            e.disk = disk;
            e.resume = true;
        } finally {
            ring.publish(seq);
        }
    }

    private static void fill(RingBuffer<RequestEvent> ring, long seq, Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer,
                             long length, ExtentSink sink, Completion completion, long tag) {
        RequestEvent e = ring.get(seq);
        try {
            e.disk = disk;
            e.op = op;
            e.flags = flags;
            e.offset = offset;
            e.buffer = buffer;
            e.extents = sink;
            e.length = length;
            e.completion = completion;
            e.tag = tag;
        } finally {
            ring.publish(seq); // whatever happened: a claimed slot is always published
        }
    }

    /**
     * Refuses new requests, waits for the submitters already past the gate to publish, then lets
     * every I/O thread complete what its ring holds (and what waits behind an offloaded call) and stop.
     */
    void shutdown() {
        closed = true;
        // a submitter already past its closed check publishes soon: the I/O threads still run, so a
        // blocking one gets its room
        while (submitting.get() != 0) {
            Thread.onSpinWait();
        }
        for (IoRing r : rings) {
            r.shutdown(60, TimeUnit.SECONDS);
        }
    }
}
