package org.ubdjava.core.nativeio;

import java.io.IOException;

/**
 * EOPNOTSUPP: the host file system, or the device's configuration (the 't' flag), does not offer
 * this operation. The driver reports it as the kernel's NOTSUPP status, not as an I/O error.
 */
public class NotSupportedException extends IOException {
    private static final long serialVersionUID = 1L;

    public NotSupportedException(String message) {
        super(message);
    }
}
