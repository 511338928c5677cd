package org.ubdjava.driver.queue;

import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.Durability;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;

/**
 * One I/O thread: executes, in ring order, the requests of its ring ({@link IoRing}): those of the
 * disks it owns. Like the kernel's I/O thread it takes whatever has been published since it last
 * looked as one batch.
 */
final class IoHandler implements EventHandler<RequestEvent> {
    static final long SECTOR = 512;

    private final int thread;
    private final UbdDriver.Stats stats;
    /** This handler's progress in the ring, released after each of its requests (see {@link #onEvent}). */
    private Sequence progress;

    IoHandler(int thread, UbdDriver.Stats stats) {
        this.thread = thread;
        this.stats = stats;
    }

    @Override
    public void setSequenceCallback(Sequence sequence) {
        progress = sequence;
    }

    @Override
    public void onEvent(RequestEvent e, long sequence, boolean endOfBatch) {
        IoStatus status = execute(e);
        Completion c = e.completion;
        Disk disk = e.disk;
        long tag = e.tag;
        e.clear();
        stats.completed(thread, status);
        // Early release: the slots up to this one are done with here, so submitters may reuse them
        // now rather than at the end of the batch. A completion that submits its disk's next request
        // (a closed loop on this thread) then never waits for the rest of a long batch to finish.
        progress.set(sequence);
        try {
            c.complete(tag, status);
        } catch (Throwable failed) {
            // a caller's completion, whatever it throws, must not stop the I/O thread that serves
            // every other disk; but say it
            System.err.println("ubd: a completion on " + disk.name() + " threw " + FailureLog.describe(failed));
        }
    }

    private static IoStatus execute(RequestEvent e) {
        BlockDevice d = e.disk.device();
        if (e.disk.detached) {
            return IoStatus.IOERR;
        }
        long offset = e.offset;
        long length = e.op == IoOp.READ || e.op == IoOp.WRITE ? e.buffer.remaining() : e.length;
        if (e.op != IoOp.FLUSH && (offset < 0 || length < 0 || offset % SECTOR != 0 || length % SECTOR != 0
                || offset + length > d.size())) {
            return IoStatus.IOERR;
        }
        if (d.readOnly() && (e.op == IoOp.WRITE || e.op == IoOp.DISCARD || e.op == IoOp.WRITE_ZEROES)) {
            return IoStatus.READ_ONLY;
        }
        try {
            switch (e.op) {
                case READ -> d.read(offset, e.buffer);
                case WRITE -> d.write(offset, e.buffer);
                case FLUSH -> {
                    d.flush();
                    // the one stat of the backing file: per flush, never per read or write
                    e.disk.checkBacking();
                }
                case DISCARD -> d.discard(offset, length);
                case WRITE_ZEROES -> {
                    boolean fastOnly = (e.flags & IoOp.FAST_ZERO) != 0;
                    if (fastOnly && !d.fastZero()) {
                        return IoStatus.NOTSUPP; // the caller asked to hear at once that zeroing would be slow
                    }
                    d.writeZeroes(offset, length, fastOnly);
                }
                case PREFETCH -> d.prefetch(offset, length);
                case EXTENTS -> d.extents(offset, length, e.extents);
                default -> {
                    return IoStatus.IOERR;
                }
            }
            if ((e.flags & IoOp.FUA) != 0 && d.durability() == Durability.ON_FLUSH
                    && (e.op == IoOp.WRITE || e.op == IoOp.WRITE_ZEROES || e.op == IoOp.DISCARD)) {
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
                    e.disk.failures.failed(e.op, offset, failure, status);
                } catch (Throwable logging) {
                    // out of memory for the line itself: the status still goes back
                }
            }
            return status;
        }
    }
}
