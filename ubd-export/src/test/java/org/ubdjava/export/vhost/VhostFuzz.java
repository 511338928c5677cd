package org.ubdjava.export.vhost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.vhost.VhostTestClient.DATA;
import static org.ubdjava.export.vhost.VhostWireSpec.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.ubdjava.testsupport.TempDirs;

/**
 * The vhost-user fuzzer: a session per seed against device ubda, each a hostile mix of a partial
 * set-up, mutated messages (codes, flags, sizes, payloads, stray descriptors) and random
 * descriptor rings (bad addresses and lengths, loops, missing descriptors, wrong directions,
 * indirect flags, runaway indexes). After each session: the server still serves ubda and its
 * neighbour ubdb (a well-behaved front-end reads it byte for byte), ubdb's COW file and the
 * backing file are unchanged, and no descriptor leaked.
 */
final class VhostFuzz implements AutoCloseable {
    static final int BACKING_BYTES = 1 << 20;

    final Path dir;
    final Path backing;
    final byte[] backingBytes;
    final Path cowB;
    final byte[] cowBBytes;
    final VhostFixture server;
    final VhostTestClient neighbour;
    final long fdsAtStart;

    VhostFuzz() throws IOException {
        dir = Files.createTempDirectory("fuzz-vhost");
        backing = dir.resolve("back.img");
        backingBytes = new byte[BACKING_BYTES];
        new Random(1).nextBytes(backingBytes);
        Files.write(backing, backingBytes);
        cowB = dir.resolve("cowb.img");
        server = new VhostFixture(dir.resolve("vh.sock"), null, "ubd0=" + dir.resolve("cowa.img") + "," + backing, "ubd1=" + cowB + "," + backing);
        neighbour = new VhostTestClient(server.socket(1));
        neighbour.setUp(16);
        cowBBytes = Files.readAllBytes(cowB);
        fdsAtStart = openFds();
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** One hostile session, then the checks. The seed says everything the session does. */
    void session(long seed) throws IOException {
        Random r = new Random(seed);
        try (VhostTestClient c = new VhostTestClient(server.socket(0))) {
            try {
                if (r.nextInt(3) == 0) {
                    messages(c, r);
                } else {
                    c.setUp(1 << (1 + r.nextInt(5)));
                    rings(c, r);
                }
            } catch (IOException | IllegalStateException expected) {
                // the server hung up on us (or did not answer a message it refused): what it should do
            }
        }
        check(seed);
    }

    private void messages(VhostTestClient c, Random r) throws IOException {
        int steps = r.nextInt(12);
        if (steps > 0) {
            c.send(VHOST_USER_SET_OWNER, VERSION, 0);
        }
        if (steps > 1) {
            c.get(VHOST_USER_GET_FEATURES);
        }
        if (steps > 2) {
            c.u64(VHOST_USER_SET_PROTOCOL_FEATURES, r.nextBoolean() ? bit(VHOST_USER_PROTOCOL_F_REPLY_ACK) : r.nextLong());
        }
        if (steps > 3) {
            c.memTable(VhostTestClient.GUEST + (r.nextBoolean() ? 0 : r.nextInt(1 << 20)),
                    r.nextBoolean() ? VhostTestClient.MEM_SIZE : r.nextLong(), VhostTestClient.GUEST, r.nextBoolean() ? VhostTestClient.FILE_OFFSET : r.nextInt(1 << 22));
        }
        for (int i = 0; i < 1 + r.nextInt(6); i++) {
            int request = r.nextInt(8) == 0 ? r.nextInt() : 1 + r.nextInt(26);
            int flags = r.nextInt(6) == 0 ? r.nextInt() : VERSION | (r.nextBoolean() ? FLAG_NEED_REPLY : 0);
            int size = switch (r.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 8;
                case 2 -> r.nextInt(300);
                case 3 -> r.nextInt(VhostTestClient.PAYLOAD_BYTES + 1);
                default -> r.nextInt();
            };
            int sent = size < 0 || size > VhostTestClient.PAYLOAD_BYTES ? 0 : size;
            for (int b = 0; b < sent; b++) {
                c.msg.put(HEADER_BYTES + b, (byte) r.nextInt());
            }
            if (sent >= 8 && r.nextBoolean()) {
                c.msg.putInt(HEADER_BYTES, r.nextInt(3)); // a plausible index or region count
            }
            int[] fds = switch (r.nextInt(4)) {
                case 0 -> new int[] {c.memfd};
                case 1 -> new int[] {c.kick, c.callTheirs};
                default -> new int[0];
            };
            c.msg.putInt(HDR_REQUEST, request);
            c.msg.putInt(HDR_FLAGS, flags);
            c.msg.putInt(HDR_SIZE, size);
            c.socket.send(c.wire, HEADER_BYTES + sent, fds, fds.length);
            if ((flags & FLAG_NEED_REPLY) != 0 || request == VHOST_USER_GET_FEATURES || request == VHOST_USER_GET_CONFIG) {
                try {
                    c.receive(request);
                } catch (IllegalStateException noReply) {
                    return;
                }
            }
        }
    }

    private void rings(VhostTestClient c, Random r) throws IOException {
        int num = c.num;
        for (int round = 0; round < 1 + r.nextInt(4); round++) {
            int heads = 1 + r.nextInt(Math.min(num, 4));
            for (int h = 0; h < heads; h++) {
                int head = r.nextInt(8) == 0 ? r.nextInt(1 << 16) : r.nextInt(num);
                if (r.nextBoolean() && head < num - 3) {
                    int type = switch (r.nextInt(8)) {
                        case 0, 1 -> VIRTIO_BLK_T_IN;
                        case 2, 3 -> VIRTIO_BLK_T_OUT;
                        case 4 -> VIRTIO_BLK_T_FLUSH;
                        case 5 -> VIRTIO_BLK_T_GET_ID;
                        case 6 -> r.nextBoolean() ? VIRTIO_BLK_T_DISCARD : VIRTIO_BLK_T_WRITE_ZEROES;
                        default -> r.nextInt();
                    };
                    long sector = r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(BACKING_BYTES / SECTOR + 8);
                    int n = r.nextInt(3);
                    long[] addrs = new long[n];
                    int[] lens = new int[n];
                    for (int i = 0; i < n; i++) {
                        addrs[i] = address(r);
                        lens[i] = length(r);
                        int range = c.at(DATA) + RANGE_BYTES * i; // what a DISCARD or WRITE_ZEROES would read there
                        c.mem.putLong(range + RANGE_SECTOR, r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(BACKING_BYTES / SECTOR));
                        c.mem.putInt(range + RANGE_NUM_SECTORS, r.nextInt(64));
                    }
                    c.request(head, type, sector, type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID
                            ? r.nextInt(8) != 0 : r.nextInt(8) == 0, addrs, lens);
                } else {
                    for (int d = 0; d < 1 + r.nextInt(4); d++) {
                        int flags = r.nextInt(8) == 0 ? r.nextInt(1 << 16) : r.nextInt(8);
                        c.desc(r.nextInt(num), address(r), length(r), flags, r.nextInt(6) == 0 ? r.nextInt(1 << 16) : r.nextInt(num));
                    }
                }
                if (head < num && r.nextInt(10) != 0) {
                    c.offer(head);
                } else {
                    c.mem.putShort(c.at(VhostTestClient.AVAIL) + AVAIL_RING + 2 * r.nextInt(num), (short) head);
                    c.mem.putShort(c.at(VhostTestClient.AVAIL) + AVAIL_IDX, (short) r.nextInt(1 << 16));
                    c.kick();
                }
            }
            c.awaitUsed(c.availIdx, 20 + r.nextInt(30));
            if (r.nextInt(6) == 0) {
                c.state(VHOST_USER_GET_VRING_BASE, 0, 0);
                return;
            }
        }
    }

    private static long address(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextLong();
            case 1 -> VhostTestClient.GUEST + VhostTestClient.MEM_SIZE - r.nextInt(8192);
            case 2 -> VhostTestClient.GUEST - r.nextInt(8192);
            default -> DATA + 512L * r.nextInt(512);
        };
    }

    private static int length(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt();
            case 1 -> r.nextInt(2048);
            case 2 -> 16;
            default -> 512 * (1 + r.nextInt(16));
        };
    }

    /** Both devices still served; the neighbour and the backing untouched; no descriptor left open. */
    void check(long seed) throws IOException {
        String what = "after session " + seed + "; server: " + server.log;
        try (VhostTestClient probe = connectAgain()) {
            probe.send(VHOST_USER_SET_OWNER, VERSION, 0);
            assertTrue(probe.get(VHOST_USER_GET_FEATURES) != 0, what);
        }
        int sector = (int) Math.floorMod(seed, BACKING_BYTES / SECTOR - 8);
        neighbour.mem.putLong(neighbour.at(DATA), -1);
        assertEquals(VIRTIO_BLK_S_OK, neighbour.run(0, VIRTIO_BLK_T_IN, sector, true, new long[] {DATA}, new int[] {4096}), what);
        byte[] got = new byte[4096];
        neighbour.mem.get(neighbour.at(DATA), got);
        assertArrayEquals(Arrays.copyOfRange(backingBytes, sector * SECTOR, sector * SECTOR + 4096), got, what);
        server.log.clear();
    }

    /** The last session may still be ending on the server's side: it refuses a newcomer until then. */
    private VhostTestClient connectAgain() throws IOException {
        for (int attempt = 0; ; attempt++) {
            VhostTestClient c = new VhostTestClient(server.socket(0));
            try {
                c.send(VHOST_USER_SET_OWNER, VERSION, 0);
                c.get(VHOST_USER_GET_PROTOCOL_FEATURES);
                return c;
            } catch (IOException refused) {
                c.close();
                if (attempt == 50) {
                    throw refused;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw refused;
                }
            }
        }
    }

    /** The end-of-run checks: files byte for byte, descriptors back to where they were. */
    void finalChecks() throws IOException {
        assertArrayEquals(backingBytes, Files.readAllBytes(backing), "the backing file changed");
        assertArrayEquals(cowBBytes, Files.readAllBytes(cowB), "the neighbour's COW file changed");
        long fds = openFds();
        assertTrue(fds <= fdsAtStart + 2, "descriptors open: " + fds + ", at start " + fdsAtStart);
    }

    @Override
    public void close() throws IOException {
        neighbour.close();
        server.close();
        TempDirs.delete(dir);
    }
}
