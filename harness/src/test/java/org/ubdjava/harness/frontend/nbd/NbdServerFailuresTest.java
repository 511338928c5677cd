package org.ubdjava.harness.frontend.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ubdjava.harness.frontend.nbd.NbdProtocol.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.driver.device.IoStatus;

/** What the server answers and says when things fail under it or around it. */
@Timeout(60)
class NbdServerFailuresTest {
    @TempDir
    Path dir;

    @Test
    void everyDriverStatusHasTheErrorQemuNbdGivesForIt() {
        assertEquals(NBD_OK, Transmission.errorOf(IoStatus.OK, 0));
        assertEquals(NBD_EIO, Transmission.errorOf(IoStatus.IOERR, 0));
        assertEquals(NBD_ENOSPC, Transmission.errorOf(IoStatus.NOSPC, 0));
        assertEquals(NBD_EPERM, Transmission.errorOf(IoStatus.READ_ONLY, 0));
        assertEquals(NBD_EINVAL, Transmission.errorOf(IoStatus.NOTSUPP, 0));
        assertEquals(NBD_ENOTSUP, Transmission.errorOf(IoStatus.NOTSUPP, NBD_CMD_FLAG_FAST_ZERO));
    }
}
