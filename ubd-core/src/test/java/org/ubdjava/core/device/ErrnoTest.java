package org.ubdjava.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileSystemException;

import org.junit.jupiter.api.Test;

/** The kernel's lines print the errno the host gave: a process out of descriptors says EMFILE, not a made-up cause. */
class ErrnoTest {
    @Test
    void limitsOfTheProcessKeepTheirOwnErrno() {
        assertEquals(Errno.EMFILE, Errno.of(new FileSystemException("/tmp/c-19987.img", null, "Too many open files")));
        assertEquals(Errno.ENFILE, Errno.of(new FileSystemException("/tmp/c.img", null, "Too many open files in system")));
        assertEquals(Errno.ENOMEM, Errno.of(new IOException("Map failed")));
        assertEquals(Errno.ENOSPC, Errno.of(new FileSystemException("/tmp/c.img", null, "No space left on device")));
        assertEquals(Errno.EIO, Errno.of(new IOException("something else")));
    }
}
