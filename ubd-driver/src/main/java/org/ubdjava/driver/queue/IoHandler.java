package org.ubdjava.driver.queue;

import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.EventHandler;

/**
 * One I/O thread: executes, in ring order, the requests of the disks it owns (disk shard equals
 * its index) and skips the rest, which another handler owns. Like the kernel's I/O thread it
 * takes whatever has been published since it last looked as one batch.
 */
final class IoHandler implements EventHandler<RequestEvent> {
    static final long SECTOR = 512;

    private final int shard;
    private final UbdDriver.Stats stats;

    IoHandler(int shard, UbdDriver.Stats stats) {
        this.shard = shard;
        this.stats = stats;
    }

    @Override
    public void onEvent(RequestEvent e, long sequence, boolean endOfBatch) {
        if (e.shard != shard) {
            return;
        }
        IoStatus status = execute(e);
        Completion c = e.completion;
        Disk disk = e.disk;
        long tag = e.tag;
        e.clear();
        stats.completed(status);
        try {
            c.complete(tag, status);
        } catch (RuntimeException failed) {
            // a caller's completion must not stop the I/O thread that serves every other disk; but say it
            System.err.println("ubd: a completion on " + disk.name() + " threw " + failed);
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
                case WRITE_ZEROES -> d.writeZeroes(offset, length);
                default -> {
                    return IoStatus.IOERR;
                }
            }
            return IoStatus.OK;
        } catch (Exception | Error failure) {
            if (failure instanceof VirtualMachineError vme) {
                throw vme;
            }
            return IoStatus.of(failure);
        }
    }
}
