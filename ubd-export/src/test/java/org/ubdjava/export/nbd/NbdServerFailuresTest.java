package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.driver.device.IoStatus;

/** What the server answers and says when things fail under it or around it. */
@Timeout(60)
class NbdServerFailuresTest {
    @TempDir
    Path dir;

    List<String> lines(NbdFixture f) {
        synchronized (f.log) {
            return List.copyOf(f.log);
        }
    }

    @Test
    void aClientThatLeavesWithRepliesPendingIsOneLineThatSaysSo() throws Exception {
        try (NbdFixture f = new NbdFixture(dir)) {
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.exportName("ubda");
                for (int i = 0; i < 8; i++) {
                    c.request(NBD_CMD_READ, 0, i, 0, (int) NbdFixture.SIZE, null); // far more than the socket holds
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (lines(f).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<String> log = lines(f);
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.get(0).matches("client #\\d+: closed with [1-8] repl(y|ies) pending"), log.get(0));

            // one that takes its replies before it leaves loses nothing: no line
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.exportName("ubda");
                c.request(NBD_CMD_READ, 0, 1, 0, 4096, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 1), c.simpleReply());
                c.data(4096);
            }
            Thread.sleep(200);
            assertEquals(log, lines(f));
            assertFalse(lines(f).stream().anyMatch(l -> l.contains("null")), lines(f).toString());
        }
    }

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
