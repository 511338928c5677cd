package org.ubdjava.driver.device;

import java.io.IOException;

import org.ubdjava.core.nativeio.NotSupportedException;

/** A request's outcome, as the kernel driver maps errno onto block-layer status. */
public enum IoStatus {
    OK,
    /** Any other failure, and requests a device cannot take (out of range). */
    IOERR,
    /** ENOSPC: the host file system is full. */
    NOSPC,
    /** EOPNOTSUPP/ENOSYS: the operation is not supported (discard with 't', or by the host file system). */
    NOTSUPP,
    /**
     * A write, discard or write-zeroes to a read-only ('r') device: the caller's mistake, told
     * apart from a failure (the block layer's EPERM for a write to a read-only disk).
     */
    READ_ONLY;

    /** The outcome in a few words, for a log line or an error message: "I/O error", ... */
    public String words() {
        return switch (this) {
            case OK -> "done";
            case IOERR -> "I/O error";
            case NOSPC -> "no space left on device";
            case NOTSUPP -> "operation not supported";
            case READ_ONLY -> "read-only device";
        };
    }

    public static IoStatus of(Throwable failure) {
        if (failure instanceof NotSupportedException) {
            return NOTSUPP;
        }
        if (failure instanceof IOException) {
            String m = failure.getMessage();
            if (m != null && m.contains("No space left on device")) {
                return NOSPC;
            }
        }
        return IOERR;
    }
}
