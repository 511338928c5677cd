package org.ubdjava.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.export.nbd.NbdTestClient;

/**
 * {@code ubd serve} as its own process, stopped by a real signal: a clean stop (stop accepting,
 * answer what is in flight, flush, close, remove the socket) exits 0, within 2 s, even with
 * clients connected and a disk whose backing file was truncated under it.
 */
@Timeout(120)
class ServeSignalTest {
    static final int SIZE = 4 << 20;

    @TempDir
    Path dir;
    Process server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
    }

    /** Starts {@code ubd ARGS} and waits for {@code lines} lines on stdout (its ready lines). */
    Process ubd(int lines, String... args) throws Exception {
        return ubd(List.of(), lines, args);
    }

    /** As {@link #ubd(int, String...)}, the JVM given {@code jvm} options first. */
    Process ubd(List<String> jvm, int lines, String... args) throws Exception {
        start(jvm, args);
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        for (int i = 0; i < lines; i++) {
            assertTrue(out.readLine() != null, "ubd did not start: " + err());
        }
        return server;
    }

    private void start(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "org.ubdjava.cli.UbdMain"));
        cmd.addAll(List.of(args));
        server = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(dir.resolve("err").toFile()).start();
    }
    String err() throws Exception {
        return Files.exists(dir.resolve("err")) ? Files.readString(dir.resolve("err")) : "";
    }

    void signal(String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(server.pid())).start().waitFor());
    }

    /** Exit 0 within 2 s of the signal. */
    void assertCleanStop() throws Exception {
        long t0 = System.nanoTime();
        assertTrue(server.waitFor(2, TimeUnit.SECONDS), "still running 2 s after the signal: " + err());
        assertEquals(0, server.exitValue(), "after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + err());
    }

    @Test
    void twoExportsOverABackingFileTruncatedUnderThem() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("b.img"), SIZE, new Random(5));
        byte[] data = Files.readAllBytes(back);
        Path sock = dir.resolve("s.sock");
        ubd(2, "serve", "--listen", "unix:" + sock, "ubd0=" + dir.resolve("a.cow") + "," + back,
                "ubd1=" + dir.resolve("c.cow") + "," + back);
        try (NbdTestClient a = NbdTestClient.connect(sock, "ubda"); NbdTestClient c = NbdTestClient.connect(sock, "ubdb")) {
            long past = 3L << 20;
            assertEquals(0, a.read(past, 4096, 1000).error());
            try (FileChannel ch = FileChannel.open(back, StandardOpenOption.WRITE)) {
                ch.truncate(1 << 20);
            }
            assertEquals(NbdTestClient.EIO, a.read(past, 4096, 1000).error(), "a read of the vanished part");
            assertEquals(NbdTestClient.EIO, c.read(past, 4096, 1000).error(), "the same part through the other export");
            NbdTestClient.Reply r = c.read(4096, 4096, 1000);
            assertEquals(0, r.error(), "the other export still answers");
            assertArrayEquals(Arrays.copyOfRange(data, 4096, 8192), r.data());

            signal("TERM");
            assertCleanStop();
        }
        assertFalse(Files.exists(sock), "the socket is removed");
        String err = err();
        assertTrue(err.contains("ubda: read at " + (3L << 20) + ": backing file \"" + back.toRealPath()
                + "\" shrank under the device (a fault in its mapping); I/O error"), err);
        assertFalse(err.contains("Exception") || err.contains("null"), err);
    }

    @Test
    void sigintWithAnIdleClientConnectedExitsZero() throws Exception {
        Path img = Files.write(dir.resolve("raw.img"), new byte[1 << 20]);
        Path sock = dir.resolve("s.sock");
        ubd(1, "serve", "--listen", "unix:" + sock, "ubd0=" + img);
        try (NbdTestClient a = NbdTestClient.connect(sock, "ubda")) {
            assertEquals(0, a.read(0, 512, 1000).error());
            signal("INT");
            assertCleanStop();
        }
        assertFalse(Files.exists(sock));
    }

    @Test
    void vhostUserServeStoppedBySigtermExitsZero() throws Exception {
        Path img = Files.write(dir.resolve("raw.img"), new byte[1 << 20]);
        Path sock = dir.resolve("vh.sock");
        ubd(1, "serve", "--listen", "vhost-user:" + sock, "ubd0=" + img);
        assertTrue(Files.exists(sock));
        signal("TERM");
        assertCleanStop();
        assertFalse(Files.exists(sock));
    }

    /** Names in {@code d}, sorted. */
    static List<String> names(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The warm-up runs on a scratch device under java.io.tmpdir while the server starts (seen
     * there), and by the ready line it is gone: nothing beside the user's files, nothing left in
     * the temporary directory, and the export serves the backing file's bytes.
     */
    @Test
    void theWarmUpRunsInTheTemporaryDirectoryAndLeavesNothingBehind() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path back = CowFixtures.randomBacking(dir.resolve("b.img"), SIZE, new Random(7));
        byte[] data = Files.readAllBytes(back);
        Path sock = dir.resolve("s.sock");
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    seen.addAll(names(tmp));
                    Thread.sleep(1);
                } catch (Exception e) {
                    return;
                }
            }
        });
        watcher.start();
        try {
            ubd(List.of("-Djava.io.tmpdir=" + tmp), 1, "serve", "--listen", "unix:" + sock, "ubd0=" + dir.resolve("a.cow") + "," + back);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertTrue(seen.stream().anyMatch(n -> n.startsWith(".ubd-warm-up-")), "a scratch directory while starting: " + seen);
        assertEquals(List.of(), names(tmp), "nothing left in the temporary directory");
        assertEquals(List.of("a.cow", "b.img", "err", "s.sock", "tmp"), names(dir), "nothing beside the user's files");
        try (NbdTestClient a = NbdTestClient.connect(sock, "ubda")) {
            NbdTestClient.Reply r = a.read(8192, 4096, 1000);
            assertEquals(0, r.error());
            assertArrayEquals(Arrays.copyOfRange(data, 8192, 12288), r.data());
            signal("TERM");
            assertCleanStop();
        }
        assertEquals(List.of(), names(tmp));
        assertEquals("Creating \"" + dir.resolve("a.cow") + "\" as COW file for \"" + back + "\"\n", err(), "no other line");
    }

    /**
     * A temporary directory the warm-up cannot use fails the start in one line that names it and
     * the way round (exit 1, before anything listens); {@code --warm-up 0} starts without it.
     */
    @Test
    void aWarmUpThatCannotRunFailsInOneLineAndWarmUpZeroSkipsIt() throws Exception {
        Path tmp = dir.resolve("no-such-tmp");
        Path img = Files.write(dir.resolve("raw.img"), new byte[1 << 20]);
        for (String listen : new String[] {"unix:" + dir.resolve("s.sock"), "vhost-user:" + dir.resolve("v.sock")}) {
            start(List.of("-Djava.io.tmpdir=" + tmp), "serve", "--listen", listen, "ubd0=" + img);
            assertTrue(server.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, server.exitValue(), err());
            assertEquals("ubd serve: the warm-up on a scratch device failed: " + tmp
                    + ": cannot make a scratch directory there: no such directory (--warm-up 0 starts without it)\n", err());
            assertEquals("", new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "no ready line");
            assertEquals(List.of("err", "raw.img"), names(dir), listen + ": nothing listens, nothing made");

            ubd(List.of("-Djava.io.tmpdir=" + tmp), 1, "serve", "--warm-up", "0", "--listen", listen, "ubd0=" + img);
            signal("TERM");
            assertCleanStop();
            assertEquals("", err());
        }
    }
}
