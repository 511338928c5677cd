package org.ubdjava.driver.queue;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;

import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.Durability;
import org.ubdjava.driver.device.ExtentSink;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;

/**
 * One I/O thread: executes, in ring order, the requests of its ring ({@link IoRing}): those of the
 * disks it owns. Like the kernel's I/O thread it takes whatever has been published since it last
 * looked as one batch. A call that can block for as long as the host disk takes ({@link #blocks})
 * goes to the {@link Offload} instead, and holds only its own disk until it is back.
 */
final class IoHandler implements EventHandler<RequestEvent> {
    /** Requests a disk queues while held, before the first time more wait. */
    private static final int SIDE_QUEUE = 16;

    private final int thread;
    private final DriverStats stats;
    private final Offload offload;
    /** This handler's progress in the ring, released after each of its requests (see {@link #onEvent}). */
    private Sequence progress;
    /** Disks of this thread held behind an offloaded call: written by this thread, read by close. */
    private volatile int held;

    IoHandler(int thread, DriverStats stats, Offload offload) {
        this.thread = thread;
        this.stats = stats;
        this.offload = offload;
    }

    @Override
    public void setSequenceCallback(Sequence sequence) {
        progress = sequence;
    }

    /** Disks whose offloaded call is not back yet (their resume events still to come through the ring). */
    int held() {
        return held;
    }

    @Override
    public void onEvent(RequestEvent e, long sequence, boolean endOfBatch) {
        Disk disk = e.disk;
        if (e.resume) {
            e.clear();
            progress.set(sequence);
            resume(disk);
            return;
        }
        if (disk.held) {
            // behind its own offloaded call: out of the ring, so the slot serves other disks now
            disk.waiting.add(e);
            disk.waitingCount = disk.waiting.size();
            e.clear();
            progress.set(sequence);
            return;
        }
        if (blocks(e)) {
            if (disk.offloaded == null) {
                disk.offloaded = new RequestEvent(); // once per disk, on its first offloaded call
                disk.waiting = new SideQueue(SIDE_QUEUE);
            }
            disk.offloaded.copyFrom(e);
            e.clear();
            hold(disk);
            progress.set(sequence);
            return;
        }
        IoStatus status = execute(e);
        Completion c = e.completion;
        long tag = e.tag;
        e.clear();
        // Early release: the slots up to this one are done with here, so submitters may reuse them
        // now rather than at the end of the batch. A completion that submits its disk's next request
        // (a closed loop on this thread) then never waits for the rest of a long batch to finish.
        progress.set(sequence);
        complete(disk, c, tag, status);
    }

    private void complete(Disk disk, Completion c, long tag, IoStatus status) {
        stats.completed(thread, status);
        try {
            c.complete(tag, status);
        } catch (Throwable failed) {
            // a caller's completion, whatever it throws, must not stop the I/O thread that serves
            // every other disk; but say it
            System.err.println("ubd: a completion on " + disk.name() + " threw " + FailureLog.describe(failed));
        }
    }

    /** Hands the disk's {@link Disk#offloaded} call to the offload; the disk's later requests wait. */
    private void hold(Disk disk) {
        if (!disk.held) {
            disk.held = true;
            held++; // before the slot is released: close sees either the request in the ring or the disk held
        }
        offload.submit(disk);
    }

    /**
     * The disk's offloaded call is back: completes it, then runs the requests that waited, in
     * their order, until one blocks again (it goes to the offload, the rest keep waiting).
     */
    private void resume(Disk disk) {
        RequestEvent r = disk.offloaded;
        Completion c = r.completion;
        long tag = r.tag;
        r.clear();
        complete(disk, c, tag, disk.offloadStatus);
        SideQueue q = disk.waiting;
        while (!q.isEmpty()) {
            if (blocks(q.peek())) {
                disk.offloaded = q.swapHead(r);
                disk.waitingCount = q.size();
                offload.submit(disk);
                return;
            }
            RequestEvent next = q.poll();
            disk.waitingCount = q.size();
            IoStatus status = execute(next);
            c = next.completion;
            tag = next.tag;
            next.clear();
            complete(disk, c, tag, status);
        }
        disk.held = false;
        held--;
    }

    /**
     * Whether the request can block for as long as the host disk takes, so runs on the offload: a
     * flush (fdatasync); a FUA write (its flush); any write of a device whose writes are synchronous
     * (O_SYNC); a write that first reserves a unit of its file ({@link BlockDevice#writeAllocates}),
     * a discard or write-zeroes: a fallocate, which waits for the file system's journal, so for as
     * long as a commit for another file's fdatasync holds it (in a replay of 8 readers beside 8
     * writers that sync every 16 writes, 1 % of the reservations took 1 to 16 ms). Reads and other
     * writes land in the host's page cache and stay here. A detached disk's request fails at once.
     */
    private static boolean blocks(RequestEvent e) {
        Disk d = e.disk;
        if (d.durability == Durability.NOTHING_WRITTEN || d.detached) {
            return false;
        }
        return switch (e.op) {
            case FLUSH, DISCARD, WRITE_ZEROES -> true;
            case WRITE -> d.durability == Durability.ON_WRITE || (e.flags & IoOp.FUA) != 0
                    || d.writesMayAllocate && d.device().writeAllocates(e.offset, e.buffer.remaining());
            default -> false;
        };
    }

    /** Runs the request on the device: on the disk's I/O thread, or on the offload while the disk is held. */
    static IoStatus execute(RequestEvent e) {
        return execute(e.disk, e.op, e.flags, e.offset, e.buffer, e.length, e.extents);
    }

    /**
     * Runs one request on the disk's device stack: on its I/O thread, on the offload while the
     * disk is held, or on the one thread of its {@link DirectPath}. Whatever the layers throw
     * becomes the request's status; nothing escapes to the thread that runs it.
     */
    static IoStatus execute(Disk disk, IoOp op, int flags, long offset, ByteBuffer buffer, long requestLength, ExtentSink extents) {
        BlockDevice d = disk.device();
        if (disk.detached) {
            return IoStatus.IOERR;
        }
        long length = op == IoOp.READ || op == IoOp.WRITE ? buffer.remaining() : requestLength;
        if (op != IoOp.FLUSH && (offset < 0 || length < 0 || offset % SECTOR != 0 || length % SECTOR != 0
                || offset + length > d.size())) {
            return IoStatus.IOERR;
        }
        if (d.readOnly() && (op == IoOp.WRITE || op == IoOp.DISCARD || op == IoOp.WRITE_ZEROES)) {
            return IoStatus.READ_ONLY;
        }
        try {
            switch (op) {
                case READ -> d.read(offset, buffer);
                case WRITE -> d.write(offset, buffer);
                case FLUSH -> {
                    d.flush();
                    // the one stat of the backing file: per flush, never per read or write
                    disk.checkBacking();
                }
                case DISCARD -> d.discard(offset, length);
                case WRITE_ZEROES -> {
                    boolean fastOnly = (flags & IoOp.FAST_ZERO) != 0;
                    if (fastOnly && !d.fastZero()) {
                        return IoStatus.NOTSUPP; // the caller asked to hear at once that zeroing would be slow
                    }
                    d.writeZeroes(offset, length, fastOnly);
                }
                case PREFETCH -> d.prefetch(offset, length);
                case EXTENTS -> d.extents(offset, length, extents);
                default -> {
                    return IoStatus.IOERR;
                }
            }
            if ((flags & IoOp.FUA) != 0 && d.durability() == Durability.ON_FLUSH
                    && (op == IoOp.WRITE || op == IoOp.WRITE_ZEROES || op == IoOp.DISCARD)) {
                d.flush(); // FUA: the COW file's data and bitmap on stable storage before the completion
            }
            return IoStatus.OK;
        } catch (Throwable failure) {
            // Whatever a layer throws, an Error too (a StackOverflowError, an OutOfMemoryError, the
            // InternalError of a fault in a mapping), ends this request only: the caller waits for
            // its completion, and the other disks of this thread for theirs.
            IoStatus status = IoStatus.of(failure);
            if (status != IoStatus.NOTSUPP) { // an answer (no discard here), not a failure to report
                try {
                    disk.failures.failed(op, offset, failure, status);
                } catch (Throwable logging) {
                    // out of memory for the line itself: the status still goes back
                }
            }
            return status;
        }
    }
}
