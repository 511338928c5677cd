package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;

import org.ubdjava.driver.device.IoStatus;

/**
 * A disk whose requests run on one caller's thread instead of through an I/O thread's ring: for
 * a front-end whose own thread takes the requests (a vhost-user queue), so that a guest's request
 * crosses no thread hand-off between the thread that reads it and the one that runs it. On these
 * 2-core virtual machines a hand-off that has to wake its thread costs about 25 us, more than a
 * 4 KiB read from the page cache; QEMU's iothread likewise runs the virtqueue handler and the
 * block request in one event loop.
 *
 * <p>What stays the same: each request goes through the checks and device calls an I/O thread
 * makes ({@link IoHandler#execute(Disk, IoOp, int, long, ByteBuffer, long, org.ubdjava.driver.device.ExtentSink)}),
 * with the same statuses, failure lines and statistics. What differs: a call that can block for
 * long (a flush's fdatasync, a fallocate) blocks the owner, which serves this disk alone, so no
 * other disk waits for it; and the request has completed when {@link #run} returns.
 *
 * <p>Invariants: one owner thread, the one that opened it, runs every request ({@link #run} from
 * any other thread throws); while it is open the disk takes no request through the rings
 * ({@link UbdDriver#submit} throws), and opening it waited for every request submitted before to
 * complete. So the device layers still see one thread at a time, in request order.
 */
public final class DirectPath implements AutoCloseable {
    private final Disk disk;
    private final Thread owner;
    private final DriverStats stats;
    private boolean closed;

    DirectPath(Disk disk, Thread owner, DriverStats stats) {
        this.disk = disk;
        this.owner = owner;
        this.stats = stats;
    }

    public Disk disk() {
        return disk;
    }

    /**
     * Runs one request now, on this thread, and returns its status.
     *
     * @param buffer for READ and WRITE: the data, position to limit, a multiple of 512 bytes
     * @param length for DISCARD, WRITE_ZEROES and PREFETCH: bytes; ignored otherwise
     * @throws IllegalStateException on another thread than the owner, or once closed
     */
    public IoStatus run(IoOp op, int flags, long offset, ByteBuffer buffer, long length) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(disk.name() + ": its direct path belongs to thread " + owner.getName() + ", not "
                    + Thread.currentThread().getName());
        }
        if (closed) {
            throw new IllegalStateException(disk.name() + ": its direct path is closed");
        }
        RequestRings.checkRequest(disk, op, buffer);
        IoStatus status = IoHandler.execute(disk, op, flags, offset, buffer, length, null);
        stats.completedDirect(status);
        return status;
    }

    /** Gives the disk back to the rings (on the owner's thread, or any once the owner has stopped). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            disk.direct = null;
        }
    }

    @Override
    public String toString() {
        return disk.name() + " on " + owner.getName() + (closed ? " (closed)" : "");
    }
}
