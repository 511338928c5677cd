package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The NBD wire fuzzer's inputs and its one check, shared by the fuzz-tagged property and the
 * deterministic default-suite test. An input is every byte a client sends on one connection, sent
 * without waiting (replies are drained by another thread): the handshake, then requests. They are
 * built near the protocol (right magics, known options and commands, real lengths) so that they get
 * far, then broken: wrong magics, option and request lengths that lie, unknown flags and types,
 * offsets past the end and past 2^63, zero and huge lengths, payloads cut short, the stream cut
 * anywhere.
 *
 * <p>The check after each input: the server still serves (a well-behaved client reads), the
 * bystander's export, written by another client, holds exactly what that client wrote, and the
 * backing file is as it was. The fuzzed client only ever names its own export.
 */
final class NbdWireFuzz implements AutoCloseable {
    static final long SIZE = 1L << 20;
    static final String OWN = "ubda";
    static final String BYSTANDER = "ubdb";
    static final int BYSTANDER_BYTES = 64 << 10;

    final Path dir;
    final Path socket;
    final Path backing;
    final NbdServer server;
    final List<String> log = new ArrayList<>();
    private final byte[] backingBytes;
    private final byte[] bystanderData;

    NbdWireFuzz(Path dir) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("fuzz.sock");
        this.backing = CowFixtures.randomBacking(dir.resolve("back.img"), SIZE, new Random(3));
        this.backingBytes = Files.readAllBytes(backing);
        UbdDriver driver = new UbdDriver();
        List<UbdDeviceConfig> devices = List.of(UbdOptionParser.device("ubd0=" + dir.resolve("own.cow") + "," + backing),
                UbdOptionParser.device("ubd1=" + dir.resolve("bystander.cow") + "," + backing));
        server = new NbdServer(driver, devices, ListenAddress.parse("unix:" + socket), KernelLog.DISCARD, line -> {
            synchronized (log) {
                if (log.size() < 1000) {
                    log.add(line);
                }
            }
        });
        server.start();
        bystanderData = new byte[BYSTANDER_BYTES];
        new Random(9).nextBytes(bystanderData);
        try (RawNbdClient c = new RawNbdClient(socket).greet()) {
            c.exportName(BYSTANDER);
            c.request(NBD_CMD_WRITE, 0, 1, 0, BYSTANDER_BYTES, bystanderData);
            assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 1), c.simpleReply());
            c.request(NBD_CMD_DISC, 0, 2, 0, 0, null);
        }
    }

    // --- inputs -----------------------------------------------------------------------------------

    private static final int[] OPTIONS = {NBD_OPT_EXPORT_NAME, NBD_OPT_ABORT, NBD_OPT_LIST, 4, 5, NBD_OPT_INFO, NBD_OPT_GO,
            NBD_OPT_STRUCTURED_REPLY, NBD_OPT_LIST_META_CONTEXT, NBD_OPT_SET_META_CONTEXT, 11, 0, 0x7fffffff, -1};
    private static final int[] COMMANDS = {NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_FLUSH, NBD_CMD_TRIM, NBD_CMD_CACHE,
            NBD_CMD_WRITE_ZEROES, NBD_CMD_BLOCK_STATUS, 8, 9, 0xffff, NBD_CMD_DISC};

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] lengthPrefixed(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(ByteBuffer.allocate(4).putInt(p.length).array());
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] randomBytes(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    private static String name(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> "";
            case 1, 2 -> OWN;
            default -> "x" + Long.toHexString(r.nextLong());
        };
    }

    private static byte[] optionData(Random r, int option) {
        return switch (option) {
            case NBD_OPT_EXPORT_NAME -> utf8(name(r));
            case NBD_OPT_INFO, NBD_OPT_GO -> {
                byte[] n = utf8(name(r));
                int infos = r.nextInt(4);
                ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos).putInt(n.length).put(n).putShort((short) infos);
                for (int i = 0; i < infos; i++) {
                    b.putShort((short) r.nextInt(5));
                }
                yield b.array();
            }
            case NBD_OPT_LIST_META_CONTEXT, NBD_OPT_SET_META_CONTEXT -> {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.writeBytes(lengthPrefixed(utf8(name(r))));
                int queries = r.nextInt(3);
                o.writeBytes(ByteBuffer.allocate(4).putInt(r.nextInt(8) == 0 ? r.nextInt() : queries).array());
                for (int i = 0; i < queries; i++) {
                    String[] q = {BASE_ALLOCATION, BASE_NAMESPACE, "qemu:dirty-bitmap:x", "", "base:allocationX"};
                    o.writeBytes(lengthPrefixed(utf8(q[r.nextInt(q.length)])));
                }
                yield o.toByteArray();
            }
            default -> r.nextInt(3) == 0 ? randomBytes(r, 32) : new byte[0];
        };
    }

    private static void option(ByteArrayOutputStream o, Random r, int option, byte[] data) {
        int declared = data.length;
        long magic = IHAVEOPT;
        switch (r.nextInt(24)) {
            case 0 -> declared = data.length + 1 + r.nextInt(8); // claims more than is sent: the stream shifts
            case 1 -> declared = Math.max(0, data.length - 1 - r.nextInt(4));
            case 2 -> declared = r.nextBoolean() ? -1 : Negotiation.MAX_OPTION_LENGTH + 1;
            case 3 -> magic ^= 1L << r.nextInt(64);
            default -> {
                // as the protocol says
            }
        }
        o.writeBytes(ByteBuffer.allocate(16).putLong(magic).putInt(option).putInt(declared).array());
        o.writeBytes(data);
    }

    /** A handshake: client flags, then options of every kind, most well-formed; sometimes the export is chosen at the end. */
    static byte[] handshake(Random r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int flags = switch (r.nextInt(8)) {
            case 0 -> r.nextInt();
            case 1 -> NBD_FLAG_C_FIXED_NEWSTYLE;
            default -> NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES;
        };
        o.writeBytes(ByteBuffer.allocate(4).putInt(flags).array());
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int option = OPTIONS[r.nextInt(OPTIONS.length)];
            option(o, r, option, optionData(r, option));
        }
        if (r.nextBoolean()) {
            option(o, r, NBD_OPT_GO, optionData(r, NBD_OPT_GO));
            requests(o, r, 1 + r.nextInt(3));
        }
        return finish(o, r);
    }

    /** A good handshake into the fuzzed client's own export, then requests of every kind and shape. */
    static byte[] transmission(Random r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(ByteBuffer.allocate(4).putInt(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES).array());
        if (r.nextInt(4) != 0) {
            o.writeBytes(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(NBD_OPT_STRUCTURED_REPLY).putInt(0).array());
            if (r.nextBoolean()) {
                byte[] d = ByteBuffer.allocate(4 + OWN.length() + 4 + 4 + BASE_ALLOCATION.length()).putInt(OWN.length()).put(utf8(OWN))
                        .putInt(1).putInt(BASE_ALLOCATION.length()).put(utf8(BASE_ALLOCATION)).array();
                o.writeBytes(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(NBD_OPT_SET_META_CONTEXT).putInt(d.length).array());
                o.writeBytes(d);
            }
        }
        byte[] go = ByteBuffer.allocate(4 + OWN.length() + 2).putInt(OWN.length()).put(utf8(OWN)).putShort((short) 0).array();
        o.writeBytes(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(NBD_OPT_GO).putInt(go.length).array());
        o.writeBytes(go);
        requests(o, r, 1 + r.nextInt(24));
        return finish(o, r);
    }

    private static void requests(ByteArrayOutputStream o, Random r, int n) {
        for (int i = 0; i < n; i++) {
            int type = COMMANDS[r.nextInt(COMMANDS.length)];
            if (type == NBD_CMD_DISC && r.nextInt(4) != 0) {
                type = NBD_CMD_READ; // a disconnect ends the input: rarer
            }
            int flags = switch (r.nextInt(6)) {
                case 0 -> r.nextInt(1 << 16);
                case 1 -> 1 << r.nextInt(16);
                default -> r.nextInt(32);
            };
            long offset = switch (r.nextInt(8)) {
                case 0 -> SIZE;
                case 1 -> SIZE - 512;
                case 2 -> 1L << 63;
                case 3 -> r.nextLong();
                case 4 -> 1 + r.nextInt(511);
                default -> 512L * r.nextInt((int) (SIZE / 512));
            };
            long length = switch (r.nextInt(8)) {
                case 0 -> 0;
                case 1 -> 0xffffffffL;
                case 2 -> NbdProtocol.MAX_PAYLOAD + 512L;
                case 3 -> 1 + r.nextInt(511);
                default -> 512L * (1 + r.nextInt(64));
            };
            int magic = r.nextInt(40) == 0 ? r.nextInt() : NBD_REQUEST_MAGIC;
            o.writeBytes(ByteBuffer.allocate(REQUEST_HEADER_BYTES).putInt(magic).putShort((short) flags).putShort((short) type)
                    .putLong(r.nextLong()).putLong(offset).putInt((int) length).array());
            if (type == NBD_CMD_WRITE) {
                // a payload as long as declared, up to 64 KiB; beyond that the client "dies" part way
                byte[] p = new byte[(int) Math.min(length, 64 << 10)];
                r.nextBytes(p);
                o.writeBytes(p);
                if (p.length < length) {
                    return;
                }
            }
            if (type == NBD_CMD_DISC) {
                return;
            }
        }
    }

    /** Sometimes a few bytes flipped, sometimes cut short; never the bystander's name. */
    private static byte[] finish(ByteArrayOutputStream o, Random r) {
        byte[] b = o.toByteArray();
        if (r.nextInt(4) == 0 && b.length > 4) {
            for (int i = r.nextInt(4); i >= 0; i--) {
                b[4 + r.nextInt(b.length - 4)] ^= (byte) (1 << r.nextInt(8));
            }
        }
        if (r.nextInt(4) == 0) {
            b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
        }
        byte[] other = utf8(BYSTANDER);
        for (int i = 0; i + other.length <= b.length; i++) {
            if (java.util.Arrays.equals(b, i, i + other.length, other, 0, other.length)) {
                b[i + other.length - 1] = 'a';
            }
        }
        return b;
    }

    // --- the check ------------------------------------------------------------------------------------

    /** Sends one input on a fresh connection, hangs up, then checks that the server is well and the bystander untouched. */
    void send(byte[] input) throws Exception {
        try (RawNbdClient c = new RawNbdClient(socket)) {
            Wire.read(c.ch, 18); // the greeting, read first so that the input starts where a client's bytes do
            Thread drain = new Thread(() -> {
                ByteBuffer sink = ByteBuffer.allocate(64 << 10);
                try {
                    while (c.ch.read(sink.clear()) >= 0) {
                        // replies are not the fuzzer's business; the server's health is
                    }
                } catch (IOException closed) {
                    // done
                }
            }, "fuzz-drain");
            drain.setDaemon(true);
            drain.start();
            try {
                c.send(ByteBuffer.wrap(input));
                c.ch.shutdownOutput();
            } catch (IOException serverHungUp) {
                // the server may end the connection before reading everything: that is its right
            }
            drain.join(20_000);
            assertTrue(!drain.isAlive(), "the server neither answered nor closed a client that hung up");
        }
        checkHealthy();
    }

    void checkHealthy() throws IOException {
        try (RawNbdClient c = new RawNbdClient(socket).greet()) {
            c.exportName(BYSTANDER);
            c.request(NBD_CMD_READ, 0, 7, 0, BYSTANDER_BYTES, null);
            assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 7), c.simpleReply(), "the server still serves");
            assertArrayEquals(bystanderData, c.data(BYSTANDER_BYTES), "the other client's disk is as it left it");
            c.request(NBD_CMD_DISC, 0, 8, 0, 0, null);
        }
        assertArrayEquals(backingBytes, Files.readAllBytes(backing), "the backing file is never written");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
