package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowMerger;

/** The wire protocol with a hand-driven client: errors are replies, breaches close one connection, the server goes on. */
@Timeout(60)
class NbdProtocolTest {
    @TempDir
    Path dir;

    static byte[] infoRequest(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length).putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    @Test
    void garbageUnknownOptionsAndBadRequestsEndOnlyThatClient() throws IOException {
        try (NbdFixture f = new NbdFixture(dir)) {
            try (RawNbdClient garbage = new RawNbdClient(f.socket)) {
                Wire.read(garbage.ch, 18);
                garbage.send(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                assertTrue(garbage.closedByServer(), "unknown client flags close the connection");
            }
            try (RawNbdClient badMagic = new RawNbdClient(f.socket).greet()) {
                badMagic.send(ByteBuffer.allocate(16).putLong(0x1122334455667788L).putInt(7).putInt(0).flip());
                assertTrue(badMagic.closedByServer(), "an option without IHAVEOPT closes the connection");
            }
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.option(0x4242, new byte[] {1, 2, 3});
                RawNbdClient.OptionReply unsup = c.optionReply();
                assertEquals(0x4242, unsup.option());
                assertEquals(NBD_REP_ERR_UNSUP, unsup.type());
                c.option(NBD_OPT_GO, infoRequest("nosuch"));
                assertEquals(NBD_REP_ERR_UNKNOWN, c.optionReply().type());
                c.option(NBD_OPT_INFO, new byte[] {0, 0, 0, 99});
                assertEquals(NBD_REP_ERR_INVALID, c.optionReply().type(), "a name longer than the option");
                c.option(NBD_OPT_LIST, new byte[0]);
                Map<String, Integer> listed = new HashMap<>();
                RawNbdClient.OptionReply r;
                while ((r = c.optionReply()).type() == NBD_REP_SERVER) {
                    ByteBuffer d = ByteBuffer.wrap(r.data());
                    byte[] name = new byte[d.getInt()];
                    d.get(name);
                    listed.put(new String(name, StandardCharsets.UTF_8), listed.size());
                }
                assertEquals(NBD_REP_ACK, r.type());
                assertEquals(Map.of("ubda", 0, "ubdb", 1, "ubdc", 2), listed);
                c.option(NBD_OPT_ABORT, new byte[0]);
                assertEquals(NBD_REP_ACK, c.optionReply().type());
                assertTrue(c.closedByServer());
            }
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                long[] export = c.exportName("ubdb");
                assertEquals(NbdFixture.SIZE, export[0]);
                assertTrue((export[1] & NBD_FLAG_READ_ONLY) != 0);
                assertEquals(0, export[1] & NBD_FLAG_SEND_TRIM);
                c.request(NBD_CMD_READ, 0, 1, NbdFixture.SIZE, 512, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 1), c.simpleReply(), "read past the end");
                c.request(NBD_CMD_READ, 0, 2, -512, 512, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 2), c.simpleReply(), "offset past 2^63");
                c.request(NBD_CMD_READ, 0, 3, 100, 512, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 3), c.simpleReply(), "unaligned offset");
                c.request(NBD_CMD_WRITE, 0, 4, 0, 100, new byte[100]);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 4), c.simpleReply(), "unaligned length; payload consumed");
                c.request(NBD_CMD_WRITE, 0, 5, 0, 512, new byte[512]);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EPERM, 5), c.simpleReply(), "write to a read-only export");
                c.request(99, 0, 6, 0, 0, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 6), c.simpleReply(), "unknown command");
                c.request(NBD_CMD_READ, NBD_CMD_FLAG_FAST_ZERO, 7, 0, 512, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 7), c.simpleReply(), "a flag READ does not take");
                c.request(NBD_CMD_READ, NBD_CMD_FLAG_DF, 7, 0, 512, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_EINVAL, 7), c.simpleReply(), "DF without structured replies");
                c.request(NBD_CMD_READ, NBD_CMD_FLAG_FUA, 8, 4096, 1024, null);
                assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 8), c.simpleReply());
                assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(f.backing), 4096, 5120), c.data(1024));
                c.send(ByteBuffer.wrap(new byte[28]));
                assertTrue(c.closedByServer(), "a request without magic closes the connection");
            }
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.option(NBD_OPT_GO, infoRequest("", NBD_INFO_BLOCK_SIZE));
                boolean sawBlockSize = false;
                RawNbdClient.OptionReply r;
                while ((r = c.optionReply()).type() == NBD_REP_INFO) {
                    ByteBuffer d = ByteBuffer.wrap(r.data());
                    if (d.getShort() == NBD_INFO_BLOCK_SIZE) {
                        assertEquals(512, d.getInt());
                        sawBlockSize = true;
                    }
                }
                assertEquals(NBD_REP_ACK, r.type());
                assertTrue(sawBlockSize);
                c.request(NBD_CMD_WRITE, 0, 1, NbdFixture.SIZE - 512, 1024, new byte[1024]);
                assertEquals(NBD_ENOSPC, c.simpleReply().error(), "write past the end");
                c.request(NBD_CMD_DISC, 0, 2, 0, 0, null);
                assertTrue(c.closedByServer());
            }
            assertFalse(f.log.isEmpty(), "protocol breaches are logged");
        }
    }

    /** Many writes sent before any reply is read; each reply carries its handle; a flush answers after them. */
    @Test
    void pipelinedWritesAreAllAnsweredAndFlushedAtShutdown() throws IOException {
        Random rnd = new Random(7);
        byte[] expected;
        int n = 200;
        try (NbdFixture f = new NbdFixture(dir)) {
            expected = Files.readAllBytes(f.backing);
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.exportName("ubda");
                for (int i = 0; i < n; i++) {
                    byte[] data = new byte[4096];
                    rnd.nextBytes(data);
                    long off = (long) rnd.nextInt((int) (NbdFixture.SIZE / 4096)) * 4096;
                    System.arraycopy(data, 0, expected, (int) off, data.length);
                    c.request(NBD_CMD_WRITE, 0, 1000 + i, off, data.length, data);
                }
                c.request(NBD_CMD_FLUSH, 0, 5000, 0, 0, null);
                boolean[] seen = new boolean[n];
                for (int i = 0; i < n; i++) {
                    RawNbdClient.SimpleReply r = c.simpleReply();
                    assertEquals(NBD_OK, r.error());
                    seen[(int) r.handle() - 1000] = true;
                }
                assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 5000), c.simpleReply(), "the flush after its writes (one disk, FIFO)");
                for (boolean s : seen) {
                    assertTrue(s);
                }
            }
            // shutdown with a client still connected: it is let go, the socket file removed
            RawNbdClient idle = new RawNbdClient(f.socket).greet();
            f.close();
            assertTrue(idle.closedByServer());
            idle.close();
            assertFalse(Files.exists(f.socket));
        }
        Path merged = dir.resolve("merged.img");
        CowMerger.mergeInto(dir.resolve("cow.img"), null, merged, done -> { });
        assertArrayEquals(expected, Files.readAllBytes(merged));
    }
    /**
     * A driver closed under a server that is not shutting down is a bug of the program around it:
     * answering ESHUTDOWN would tell the client (which MUST then disconnect) a lie and hide the bug.
     * The request gets EIO, the connection ends, and the log names the client and the reason.
     */
    @Test
    void aDriverClosedUnderARunningServerIsLoggedNotPassedOffAsAShutdown() throws IOException {
        try (NbdFixture f = new NbdFixture(dir)) {
            try (RawNbdClient c = new RawNbdClient(f.socket).greet()) {
                c.exportName("ubda");
                f.driver.close();
                c.request(NBD_CMD_READ, 0, 1, 0, 512, null);
                RawNbdClient.SimpleReply r = c.simpleReply();
                assertEquals(new RawNbdClient.SimpleReply(NBD_EIO, 1), r, "not ESHUTDOWN: the server is not shutting down");
                assertTrue(c.closedByServer(), "the connection ends on an internal error");
            }
            synchronized (f.log) {
                assertTrue(f.log.stream().anyMatch(l -> l.startsWith("client ") && l.contains("driver closed")), f.log.toString());
            }
        }
    }
}
