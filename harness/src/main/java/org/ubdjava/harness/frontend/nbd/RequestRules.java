package org.ubdjava.harness.frontend.nbd;

import static org.ubdjava.harness.frontend.nbd.NbdProtocol.*;

/**
 * Decides, before anything runs, whether a request may go to the driver, and which NBD error it
 * gets if not (proto.md "Error values"): unknown commands and flags, unaligned ranges (our minimum
 * block size is 512) and reads or trims past the end are EINVAL; writes past the end are ENOSPC;
 * writing a read-only export is EPERM. Checking here keeps the driver's catch-all IOERR for real
 * I/O failures.
 */
final class RequestRules {
    private RequestRules() {
    }

    static int check(NbdExport export, boolean structuredReplies, int type, int flags, long offset, long length) {
        int allowedFlags = switch (type) {
            case NBD_CMD_READ -> structuredReplies ? NBD_CMD_FLAG_DF : 0;
            case NBD_CMD_WRITE_ZEROES -> NBD_CMD_FLAG_NO_HOLE;
            case NBD_CMD_WRITE, NBD_CMD_DISC, NBD_CMD_FLUSH, NBD_CMD_TRIM -> 0;
            default -> -1;
        };
        if (allowedFlags < 0 || (flags & ~allowedFlags) != 0) {
            return NBD_EINVAL;
        }
        if (type == NBD_CMD_DISC || type == NBD_CMD_FLUSH) {
            return NBD_OK;
        }
        boolean writes = type != NBD_CMD_READ;
        boolean zeroing = type == NBD_CMD_TRIM || type == NBD_CMD_WRITE_ZEROES;
        if (zeroing && !export.canTrim() && !export.readOnly()) {
            return NBD_EINVAL; // not advertised ('t'): the client must not send it
        }
        if (!zeroing && length > MAX_PAYLOAD) {
            return NBD_EINVAL;
        }
        if (offset % MIN_BLOCK != 0 || length % MIN_BLOCK != 0) {
            return NBD_EINVAL;
        }
        if (writes && export.readOnly()) {
            return NBD_EPERM;
        }
        // the wire offset is unsigned: as a long, past 2^63 it is negative, and past any end
        if (offset < 0 || offset > export.size() - length) {
            return type == NBD_CMD_WRITE || type == NBD_CMD_WRITE_ZEROES ? NBD_ENOSPC : NBD_EINVAL;
        }
        return NBD_OK;
    }
}
