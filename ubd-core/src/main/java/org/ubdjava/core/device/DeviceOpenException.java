package org.ubdjava.core.device;

import org.ubdjava.core.UbdException;

/** A device that cannot be opened: the kernel's final message, and the errno it reports. */
public final class DeviceOpenException extends UbdException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public DeviceOpenException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
