package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

/**
 * Decides, before anything runs, whether a request may go to the driver, and which NBD error it
 * gets if not (proto.md "Error values"): unknown commands and flags, flags or commands the export
 * did not offer, unaligned ranges (our minimum block size is 512) and reads, trims, caches and
 * block status past the end are EINVAL; writes past the end are ENOSPC; writing a read-only export
 * is EPERM. Checking here keeps the driver's catch-all IOERR for real I/O failures.
 *
 * <p>Zero-length requests are answered with success without reaching the driver, as qemu-nbd
 * does, except block status: its reply needs at least one descriptor and none may be empty, so it
 * is EINVAL (qemu-nbd's answer too).
 */
final class RequestRules {
    private RequestRules() {
    }

    /** What a connection negotiated, which changes what a request may be. */
    record Session(NbdExport export, boolean structuredReplies, boolean baseAllocation) {
    }

    static int check(Session s, int type, int flags, long offset, long length) {
        NbdExport export = s.export();
        int allowedFlags = switch (type) {
            case NBD_CMD_READ -> s.structuredReplies() ? NBD_CMD_FLAG_DF : 0;
            case NBD_CMD_WRITE_ZEROES -> NBD_CMD_FLAG_NO_HOLE | (export.offers(NBD_FLAG_SEND_FAST_ZERO) ? NBD_CMD_FLAG_FAST_ZERO : 0);
            case NBD_CMD_BLOCK_STATUS -> NBD_CMD_FLAG_REQ_ONE;
            case NBD_CMD_WRITE, NBD_CMD_DISC, NBD_CMD_FLUSH, NBD_CMD_TRIM, NBD_CMD_CACHE -> 0;
            default -> -1;
        };
        if (export.offers(NBD_FLAG_SEND_FUA)) {
            allowedFlags |= NBD_CMD_FLAG_FUA; // valid on every command once offered (ignored where nothing is written)
        }
        if (allowedFlags < 0 || (flags & ~allowedFlags) != 0) {
            return NBD_EINVAL;
        }
        if (type == NBD_CMD_DISC || type == NBD_CMD_FLUSH) {
            return NBD_OK;
        }
        boolean writes = type == NBD_CMD_WRITE || type == NBD_CMD_TRIM || type == NBD_CMD_WRITE_ZEROES;
        if (type == NBD_CMD_BLOCK_STATUS && !s.baseAllocation()) {
            return NBD_EINVAL; // no metadata context negotiated: the client must not ask
        }
        if (!export.readOnly() && (type == NBD_CMD_TRIM && !export.offers(NBD_FLAG_SEND_TRIM)
                || type == NBD_CMD_WRITE_ZEROES && !export.offers(NBD_FLAG_SEND_WRITE_ZEROES))) {
            return NBD_EINVAL; // not offered ('t'): the client must not send it
        }
        if ((type == NBD_CMD_READ || type == NBD_CMD_WRITE) && length > MAX_PAYLOAD) {
            return NBD_EINVAL;
        }
        if (length > 0 && (offset % MIN_BLOCK != 0 || length % MIN_BLOCK != 0)) {
            return NBD_EINVAL;
        }
        if (writes && export.readOnly()) {
            return NBD_EPERM;
        }
        // the wire offset is unsigned: as a long, past 2^63 it is negative, and past any end
        boolean outside = offset < 0 || offset > export.size() - length;
        if (length == 0) {
            return type == NBD_CMD_BLOCK_STATUS || outside ? NBD_EINVAL : NBD_OK;
        }
        if (outside) {
            return type == NBD_CMD_WRITE || type == NBD_CMD_WRITE_ZEROES ? NBD_ENOSPC : NBD_EINVAL;
        }
        return NBD_OK;
    }

    /** Whether a request that passed {@link #check} needs the driver: zero-length ones are done already. */
    static boolean needsDriver(int type, long length) {
        return length > 0 || type == NBD_CMD_FLUSH;
    }
}
