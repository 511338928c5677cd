package org.ubdjava.driver.device;

import java.io.IOException;

import org.ubdjava.core.nativeio.NotSupportedException;

/** A request's outcome, as the kernel driver maps errno onto block-layer status. */
public enum IoStatus {
    OK,
    /** Any other failure, and requests a device cannot take (out of range, write to read-only). */
    IOERR,
    /** ENOSPC: the host file system is full. */
    NOSPC,
    /** EOPNOTSUPP/ENOSYS: the operation is not supported (discard with 't', or by the host file system). */
    NOTSUPP;

    /** The outcome in a few words, for a log line or an error message: "I/O error", ... */
    public String words() {
        return switch (this) {
            case OK -> "done";
            case IOERR -> "I/O error";
            case NOSPC -> "no space left on device";
            case NOTSUPP -> "operation not supported";
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
