package org.ubdjava.export.vhost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.vhost.VhostTestClient.DATA;
import static org.ubdjava.export.vhost.VhostWireSpec.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;

/** The back-end against a front-end written here: messages, rings and requests, byte for byte. */
class VhostProtocolTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    Path backing;
    byte[] backingBytes;

    @BeforeEach
    void backing() throws IOException {
        backing = dir.resolve("back.img");
        backingBytes = new byte[4 * MIB];
        new Random(5).nextBytes(backingBytes);
        Files.write(backing, backingBytes);
    }

    VhostFixture serve(String... specs) throws IOException {
        return new VhostFixture(dir.resolve("vh.sock"), null, specs);
    }

    @Test
    void negotiationAndConfigAsVirtioUmlReadsThem() throws IOException {
        try (VhostFixture f = serve("ubd0=" + dir.resolve("cow.img") + "," + backing); VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.send(VHOST_USER_SET_OWNER, VERSION, 0);
            long features = c.get(VHOST_USER_GET_FEATURES);
            assertEquals(FLAG_REPLY | VERSION, c.flags(), "virtio_uml accepts exactly reply|version 1");
            long want = bit(VIRTIO_F_VERSION_1) | bit(VHOST_USER_F_PROTOCOL_FEATURES)
                    | bit(VIRTIO_BLK_F_FLUSH) | bit(VIRTIO_BLK_F_DISCARD)
                    | bit(VIRTIO_BLK_F_WRITE_ZEROES) | bit(VIRTIO_BLK_F_BLK_SIZE)
                    | bit(VIRTIO_BLK_F_SEG_MAX) | bit(VIRTIO_BLK_F_SIZE_MAX);
            assertEquals(want, features);
            long protocol = c.get(VHOST_USER_GET_PROTOCOL_FEATURES);
            assertEquals(bit(VHOST_USER_PROTOCOL_F_REPLY_ACK) | bit(VHOST_USER_PROTOCOL_F_CONFIG) | bit(VHOST_USER_PROTOCOL_F_BACKEND_REQ), protocol);
            assertEquals(0, c.u64(VHOST_USER_SET_PROTOCOL_FEATURES, bit(VHOST_USER_PROTOCOL_F_REPLY_ACK) | bit(VHOST_USER_PROTOCOL_F_CONFIG)));
            assertEquals(FLAG_REPLY | VERSION, c.flags());
            ByteBuffer config = c.config(60);
            assertEquals(4 * MIB / SECTOR, config.getLong(CFG_CAPACITY));
            assertEquals(SECTOR, config.getInt(CFG_BLK_SIZE));
            // this back-end's limits: 126 data buffers (with header and status a request fits a 256-entry ring twice), 1 MiB each
            assertEquals(126, config.getInt(CFG_SEG_MAX));
            assertEquals(1 << 20, config.getInt(CFG_SIZE_MAX));
            assertEquals(1, config.getInt(CFG_MAX_DISCARD_SEG));
            assertTrue(config.getInt(CFG_MAX_DISCARD_SECTORS) > 0);
            assertTrue(config.getInt(CFG_MAX_WRITE_ZEROES_SECTORS) > 0);
            assertEquals(CONFIG_PAYLOAD + 60, c.size());
            assertEquals(0, c.u64(VHOST_USER_SET_FEATURES, features & ~bit(VIRTIO_BLK_F_DISCARD)));
        }
    }

    @Test
    void readsAndWritesMoveThroughGuestMemoryWithCowSemantics() throws IOException {
        Path cow = dir.resolve("cow.img");
        try (VhostFixture f = serve("ubd0=" + cow + "," + backing + ",SERIAL-0123456789-abcdef"); VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.setUp(16);
            // read 8 KiB at sector 3 into two buffers
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, 3, true, new long[] {DATA, DATA + 0x4000}, new int[] {4096, 4096}));
            byte[] got = new byte[8192];
            c.mem.get(c.at(DATA), got, 0, 4096);
            c.mem.get(c.at(DATA + 0x4000), got, 4096, 4096);
            assertArrayEquals(java.util.Arrays.copyOfRange(backingBytes, 3 * SECTOR, 3 * SECTOR + 8192), got);
            assertArrayEquals(new int[] {0, 8193}, c.used(0), "used length: data plus the status byte");
            // write 1536 bytes at sector 9, then read 4 KiB from sector 8
            byte[] w = new byte[1536];
            new Random(9).nextBytes(w);
            c.mem.put(c.at(DATA + 0x8000), w);
            assertEquals(VIRTIO_BLK_S_OK, c.run(4, VIRTIO_BLK_T_OUT, 9, false, new long[] {DATA + 0x8000}, new int[] {1536}));
            assertArrayEquals(new int[] {4, 1}, c.used(1));
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_FLUSH, 0, false, new long[0], new int[0]));
            assertEquals(VIRTIO_BLK_S_OK, c.run(8, VIRTIO_BLK_T_IN, 8, true, new long[] {DATA + 0xc000}, new int[] {4096}));
            byte[] want = java.util.Arrays.copyOfRange(backingBytes, 8 * SECTOR, 8 * SECTOR + 4096);
            System.arraycopy(w, 0, want, 512, w.length);
            byte[] back = new byte[4096];
            c.mem.get(c.at(DATA + 0xc000), back);
            assertArrayEquals(want, back);
            // write-zeroes and discard take ranges
            int r = c.at(DATA + 0x10000);
            c.mem.putLong(r + RANGE_SECTOR, 16).putInt(r + RANGE_NUM_SECTORS, 8).putInt(r + RANGE_FLAGS, 0);
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, false, new long[] {DATA + 0x10000}, new int[] {RANGE_BYTES}));
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, 16, true, new long[] {DATA}, new int[] {4096}));
            byte[] z = new byte[4096];
            c.mem.get(c.at(DATA), z);
            assertArrayEquals(new byte[4096], z);
            // GET_ID: the SPEC's serial, 20 bytes at most
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_GET_ID, 0, true, new long[] {DATA}, new int[] {20}));
            byte[] id = new byte[20];
            c.mem.get(c.at(DATA), id);
            assertEquals("SERIAL-0123456789-ab", new String(id, java.nio.charset.StandardCharsets.US_ASCII));
            // beyond the end, and an unknown type
            assertEquals(VIRTIO_BLK_S_IOERR, c.run(0, VIRTIO_BLK_T_IN, 4 * MIB / SECTOR - 1, true, new long[] {DATA}, new int[] {1024}));
            assertEquals(VIRTIO_BLK_S_UNSUPP, c.run(0, 99, 0, true, new long[] {DATA}, new int[] {512}));
        }
        assertArrayEquals(backingBytes, Files.readAllBytes(backing), "the backing file is never written");
        assertTrue(Files.size(cow) > 0);
    }

    @Test
    void getVringBaseStopsTheQueueAndANewMemoryTableRestartsIt() throws IOException {
        try (VhostFixture f = serve("ubd0=" + dir.resolve("cow.img") + "," + backing); VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.setUp(8);
            for (int i = 0; i < 3; i++) {
                assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, i, true, new long[] {DATA}, new int[] {512}));
            }
            // a second table while the queue runs: the queue drains, moves to the new mapping, goes on
            VhostTestClient.check(c.memTable(VhostTestClient.GUEST, VhostTestClient.MEM_SIZE, VhostTestClient.GUEST, VhostTestClient.FILE_OFFSET));
            assertEquals(VIRTIO_BLK_S_OK, c.run(1, VIRTIO_BLK_T_IN, 7, true, new long[] {DATA + 4096}, new int[] {512}));
            byte[] got = new byte[512];
            c.mem.get(c.at(DATA + 4096), got);
            assertArrayEquals(java.util.Arrays.copyOfRange(backingBytes, 7 * SECTOR, 8 * SECTOR), got);
            c.msg.putInt(HEADER_BYTES + STATE_INDEX, 0);
            c.msg.putInt(HEADER_BYTES + STATE_NUM, 0);
            c.send(VHOST_USER_GET_VRING_BASE, VERSION, STATE_BYTES);
            c.receive(VHOST_USER_GET_VRING_BASE);
            assertEquals(FLAG_REPLY | VERSION, c.flags());
            assertEquals(4, c.payloadInt(STATE_NUM), "four requests taken");
            // stopped: a kick takes nothing now
            c.request(2, VIRTIO_BLK_T_IN, 0, true, new long[] {DATA}, new int[] {512});
            c.offer(2);
            assertTrue(!c.awaitUsed(5, 300), "a stopped queue took a request");
        }
    }

    @Test
    void aReadOnlyDeviceOffersRoAndRefusesWrites() throws Exception {
        try (VhostFixture f = serve("ubd0r=" + backing); VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.send(VHOST_USER_SET_OWNER, VERSION, 0);
            long features = c.get(VHOST_USER_GET_FEATURES);
            assertTrue((features & bit(VIRTIO_BLK_F_RO)) != 0);
            assertEquals(0, features & (bit(VIRTIO_BLK_F_DISCARD) | bit(VIRTIO_BLK_F_WRITE_ZEROES)));
            c.close();
            try (VhostTestClient d = new VhostTestClient(f.socket(0))) {
                assertTrue(f.awaitLog("ubda: the front-end disconnected", 5000), f.log.toString());
                d.setUp(8);
                d.mem.put(d.at(DATA), new byte[512]);
                assertEquals(VIRTIO_BLK_S_IOERR, d.run(0, VIRTIO_BLK_T_OUT, 0, false, new long[] {DATA}, new int[] {512}));
            }
        }
        assertArrayEquals(backingBytes, Files.readAllBytes(backing));
    }

    /** Each case breaks the protocol after a good set-up: the connection ends with one line naming the device. */
    @Test
    void brokenMessagesAndRingsCloseThatConnectionOnly() throws Exception {
        Path cowB = dir.resolve("cowb.img");
        try (VhostFixture f = serve("ubd0=" + dir.resolve("cowa.img") + "," + backing, "ubd1=" + cowB + "," + backing);
             VhostTestClient good = new VhostTestClient(f.socket(1))) {
            good.setUp(16);
            List<String> expected = new ArrayList<>();
            int[] caseNo = {0};
            Breaker[] cases = {
                c -> c.send(12345, VERSION, 0),
                c -> c.send(VHOST_USER_GET_FEATURES, 2, 0),
                c -> c.send(VHOST_USER_SET_FEATURES, VERSION, 8 + 4000),
                c -> c.u64(VHOST_USER_SET_FEATURES, 1L << 60),
                c -> c.state(VHOST_USER_SET_VRING_NUM, 0, 3),
                c -> c.state(VHOST_USER_SET_VRING_NUM, 1, 16),
                c -> c.memTable(0, 0, 0, 0),
                c -> c.memTable(VhostTestClient.GUEST, 1L << 30, VhostTestClient.GUEST, 0), // beyond the file: SIGBUS if mapped
                c -> { // a loop: 0 -> 1 -> 0
                    c.desc(0, c.header(0), 16, VIRTQ_DESC_F_NEXT, 1);
                    c.desc(1, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
                    c.offer(0);
                },
                c -> { // an address outside the table
                    c.request(0, VIRTIO_BLK_T_IN, 0, true, new long[] {VhostTestClient.GUEST + VhostTestClient.MEM_SIZE - 256}, new int[] {512});
                    c.offer(0);
                },
                c -> { // a chain that continues beyond the table
                    c.request(0, VIRTIO_BLK_T_IN, 0, true, new long[] {DATA}, new int[] {512});
                    c.desc(1, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 40);
                    c.offer(0);
                },
                c -> { // an OUT request whose data the device would write
                    c.request(0, VIRTIO_BLK_T_OUT, 0, true, new long[] {DATA}, new int[] {512});
                    c.offer(0);
                },
                c -> { // the available index far ahead
                    c.mem.putShort(c.at(VhostTestClient.AVAIL) + AVAIL_IDX, (short) 1000);
                    c.kick();
                },
                c -> c.vringAddr(VhostTestClient.DESC + 4, VhostTestClient.USED, VhostTestClient.AVAIL),
            };
            for (Breaker b : cases) {
                int before = f.log.size();
                try (VhostTestClient c = new VhostTestClient(f.socket(0))) {
                    boolean ring = caseNo[0] >= 8 && caseNo[0] < 13;
                    if (ring) {
                        c.setUp(16);
                    } else if (caseNo[0] == 13) {
                        c.setUp(16);
                        c.state(VHOST_USER_GET_VRING_BASE, 0, 0);
                    } else {
                        c.send(VHOST_USER_SET_OWNER, VERSION, 0);
                        c.get(VHOST_USER_GET_FEATURES);
                        c.u64(VHOST_USER_SET_PROTOCOL_FEATURES, bit(VHOST_USER_PROTOCOL_F_REPLY_ACK));
                    }
                    try {
                        b.apply(c);
                    } catch (IOException closedAlready) {
                        // the server may hang up before it reads all we send
                    }
                    assertTrue(f.awaitLog("connection closed", 5000), "case " + caseNo[0] + ": " + f.log);
                    assertThrows(IOException.class, () -> c.receive(-1), "case " + caseNo[0] + ": still connected");
                }
                String line = f.log.get(before);
                assertTrue(line.startsWith("ubda: ") && line.endsWith("; connection closed") && !line.contains("\n"), line);
                expected.add(line);
                f.log.clear();
                // the other device serves on
                good.mem.putLong(good.at(DATA), 0);
                assertEquals(VIRTIO_BLK_S_OK, good.run(0, VIRTIO_BLK_T_IN, caseNo[0], true, new long[] {DATA}, new int[] {512}), "case " + caseNo[0]);
                byte[] got = new byte[512];
                good.mem.get(good.at(DATA), got);
                assertArrayEquals(java.util.Arrays.copyOfRange(backingBytes, caseNo[0] * SECTOR, caseNo[0] * SECTOR + 512), got);
                caseNo[0]++;
            }
            System.out.println("closing lines: " + expected);
        }
        assertArrayEquals(backingBytes, Files.readAllBytes(backing));
    }

    interface Breaker {
        void apply(VhostTestClient c) throws IOException;
    }

    @Test
    void aSecondFrontEndIsRefusedAndTheDiskIsReleasedWhenTheFirstGoes() throws Exception {
        Path cow = dir.resolve("cow.img");
        try (VhostFixture f = serve("ubd0=" + cow + "," + backing); VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.setUp(8);
            try (VhostTestClient second = new VhostTestClient(f.socket(0))) {
                assertThrows(IOException.class, () -> second.get(VHOST_USER_GET_FEATURES));
            }
            assertTrue(f.awaitLog("ubda: a second front-end connected while one is served; refused", 5000), f.log.toString());
            c.mem.put(c.at(DATA), new byte[512]);
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_OUT, 0, false, new long[] {DATA}, new int[] {512}));
            c.socket.close();
            assertTrue(f.awaitLog("ubda: the front-end disconnected; disk flushed and released", 5000), f.log.toString());
            // released: another process may take the COW file's lock now
            org.ubdjava.driver.queue.UbdDriver other = new org.ubdjava.driver.queue.UbdDriver();
            try (other) {
                var d = other.attach("ubd0=" + cow + "," + backing, l -> { });
                ByteBuffer b = ByteBuffer.allocateDirect(512);
                assertEquals(org.ubdjava.driver.device.IoStatus.OK, other.submit(d, org.ubdjava.driver.queue.IoOp.READ, 0, b, 0).join());
                assertEquals(0, b.get(0));
                other.detach(d);
            }
        }
    }

    @Test
    void recordWritesAFioIologV3ThatTheTraceReaderTakes() throws Exception {
        Path rec = dir.resolve("rec");
        try (VhostFixture f = new VhostFixture(dir.resolve("vh.sock"), rec, "ubd0=" + dir.resolve("cow.img") + "," + backing);
             VhostTestClient c = new VhostTestClient(f.socket(0))) {
            c.setUp(8);
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, 2, true, new long[] {DATA, DATA + 4096}, new int[] {4096, 1024}));
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_OUT, 64, false, new long[] {DATA}, new int[] {2048}));
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_FLUSH, 0, false, new long[0], new int[0]));
            int r = c.at(DATA + 0x10000);
            c.mem.putLong(r + RANGE_SECTOR, 100).putInt(r + RANGE_NUM_SECTORS, 16).putInt(r + RANGE_FLAGS, 0);
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_DISCARD, 0, false, new long[] {DATA + 0x10000}, new int[] {RANGE_BYTES}));
        }
        Path log = rec.resolve("ubda.iolog");
        List<String> lines = Files.readAllLines(log);
        assertEquals("fio version 3 iolog", lines.get(0));
        assertTrue(lines.get(1).matches("\\d+ ubda add"), lines.toString());
        assertTrue(lines.get(lines.size() - 1).matches("\\d+ ubda close"), lines.toString());
        List<String> ops = new ArrayList<>();
        long lastTime = -1;
        try (TraceReader t = TraceReaders.open(log)) {
            TraceRecord.Mutable m = new TraceRecord.Mutable();
            while (t.next(m)) {
                ops.add(m.op() + " " + (m.op() == TraceOp.FLUSH ? "" : m.offset() + " " + m.length()));
                assertTrue(m.timestampMicros() >= lastTime);
                lastTime = m.timestampMicros();
            }
        }
        assertEquals(List.of("READ 1024 5120", "WRITE 32768 2048", "FLUSH ", "DISCARD 51200 8192"), ops);
        // as fio writes a sync (with an offset and a length, else fio takes it for a file action and drops it)
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\d+ ubda sync 0 0")), lines.toString());
    }
}
