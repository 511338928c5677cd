package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.queue.Disk;

/**
 * One attached ubd device as an NBD export, named by its device name (ubda, ubdb, ...).
 *
 * <p>Transmission flags are what the device stack says it can do, never the configuration's
 * flags: READ_ONLY when it is read-only; TRIM, WRITE_ZEROES and FAST_ZERO when it can discard,
 * zero, and zero without writing data. FLUSH, FUA and CACHE always: every device can make its
 * writes durable, and on a read-only one there are none (FUA is then ignored, as the protocol
 * allows, and qemu-nbd offers it there too); a prefetch without a cache costs nothing.
 * CAN_MULTI_CONN is safe because every connection to an export submits to the same {@link Disk}:
 * one per-disk FIFO in the driver, one in-memory bitmap, no per-connection cache. A flush runs
 * after every request submitted before it, from any connection, and syncs the whole COW file, so
 * once a write has been replied to on one connection, a flush answered on another covers it, as
 * the protocol requires; a FUA write syncs the COW file before its reply, so it is covered too.
 */
record NbdExport(String name, Disk disk, int transmissionFlags) {
    static NbdExport of(Disk disk) {
        BlockDevice d = disk.device();
        int flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_CAN_MULTI_CONN | NBD_FLAG_SEND_CACHE;
        if (d.readOnly()) {
            flags |= NBD_FLAG_READ_ONLY;
        } else {
            if (d.canTrim()) {
                flags |= NBD_FLAG_SEND_TRIM;
            }
            if (d.canZero()) {
                flags |= NBD_FLAG_SEND_WRITE_ZEROES;
                if (d.fastZero()) {
                    flags |= NBD_FLAG_SEND_FAST_ZERO;
                }
            }
        }
        return new NbdExport(disk.name(), disk, flags);
    }

    long size() {
        return disk.size();
    }

    boolean offers(int transmissionFlag) {
        return (transmissionFlags & transmissionFlag) != 0;
    }

    boolean readOnly() {
        return offers(NBD_FLAG_READ_ONLY);
    }

    /** Flags as sent: DF only once structured replies were negotiated (we never fragment, so DF is free). */
    int flagsFor(boolean structuredReplies) {
        return structuredReplies ? transmissionFlags | NBD_FLAG_SEND_DF : transmissionFlags;
    }

    /** What NBD_REP_SERVER and NBD_INFO_DESCRIPTION show a person. */
    String description() {
        return disk.toString();
    }
}
