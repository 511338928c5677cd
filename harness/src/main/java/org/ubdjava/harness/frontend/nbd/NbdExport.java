package org.ubdjava.harness.frontend.nbd;

import static org.ubdjava.harness.frontend.nbd.NbdProtocol.*;

import org.ubdjava.driver.queue.Disk;

/**
 * One attached ubd device as an NBD export, named by its device name (ubda, ubdb, ...).
 *
 * <p>Transmission flags are the device's truth: READ_ONLY for an 'r' device; TRIM and
 * WRITE_ZEROES only when the device is writable and not 't' (the driver refuses them otherwise);
 * FLUSH always (a no-op on a read-only device costs nothing). CAN_MULTI_CONN is safe because
 * every connection to an export submits to the same {@link Disk}: one per-disk FIFO in the driver,
 * one in-memory bitmap, no per-connection cache. A flush runs after every request submitted before
 * it, from any connection, and syncs the whole COW file, so once a write has been replied to on one
 * connection, a flush answered on another covers it, as the protocol requires.
 */
record NbdExport(String name, Disk disk, int transmissionFlags) {
    static NbdExport of(Disk disk) {
        int flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_CAN_MULTI_CONN;
        if (disk.readOnly()) {
            flags |= NBD_FLAG_READ_ONLY;
        } else if (!disk.config().flags().noTrim()) {
            flags |= NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES;
        }
        return new NbdExport(disk.name(), disk, flags);
    }

    long size() {
        return disk.size();
    }

    boolean readOnly() {
        return (transmissionFlags & NBD_FLAG_READ_ONLY) != 0;
    }

    boolean canTrim() {
        return (transmissionFlags & NBD_FLAG_SEND_TRIM) != 0;
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
