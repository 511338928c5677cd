package org.ubdjava.cli.serve;

import org.ubdjava.export.vhost.VhostFixture;
import org.ubdjava.export.Endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.cli.UbdMain;

import picocli.CommandLine;

/** `ubd serve --listen vhost-user:PATH` on the command line: what fails, fails in one line with the right exit code. */
class VhostServeCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run ubd(String... args) {
        CommandLine cl = UbdMain.commandLine(false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aDeviceThatCannotOpenIsOneLineAndExit1AndLeavesNoSocket() {
        Path sock = dir.resolve("vh.sock");
        Run r = ubd("serve", "--listen", "vhost-user:" + sock, "ubd0r=" + dir.resolve("missing.img"));
        assertEquals(1, r.exit(), r.err());
        // the kernel's own line for it, then the one naming the file
        assertEquals(List.of("Failed to initialize ubd device 0 :Couldn't determine size of device's file",
                "ubd serve: " + dir.resolve("missing.img") + ": No such file or directory"), r.err().strip().lines().toList());
        assertFalse(Files.exists(sock));
    }

    @Test
    void wrongCommandLinesExit2() {
        assertEquals(2, ubd("serve", "--listen", "vhost-user:", "ubd0=" + dir.resolve("a.img")).exit());
        Run r = ubd("serve", "--record", dir.toString(), "--listen", "unix:" + dir.resolve("n.sock"), "ubd0=" + dir.resolve("a.img"));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--record needs --listen vhost-user:PATH"), r.err());
        assertTrue(ubd("serve", "--help").out().contains("vhost-user:PATH"));
        r = ubd("serve", "--poll-us", "-1", "--listen", "vhost-user:" + dir.resolve("v.sock"), "ubd0=" + dir.resolve("a.img"));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--poll-us must be 0 to 1000000 microseconds, not -1"), r.err());
        assertFalse(Files.exists(dir.resolve("v.sock")));
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 30, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aSocketPathThatIsAFifoOrAFileIsRefusedBeforeAnyDeviceIsAttached() throws Exception {
        Path img = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        Files.setLastModifiedTime(img, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path file = Files.writeString(dir.resolve("file"), "mine");
        for (Path p : List.of(fifo, file)) {
            Run r = ubd("serve", "--listen", "vhost-user:" + p, "ubd0=" + img);
            assertEquals(1, r.exit(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("ubd serve: " + p + ": is a "), r.err());
            assertTrue(r.err().contains("not a socket"), r.err());
        }
        assertEquals("p", Files.getAttribute(fifo, "unix:mode") instanceof Integer m && (m & 0170000) == 0010000 ? "p" : "not a FIFO");
        assertEquals("mine", Files.readString(file));
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(img).toMillis(), "the device was never attached");
    }

    @Test
    void aSecondServerOnTheSameSocketIsRefused() throws Exception {
        Path sock = dir.resolve("vh.sock");
        Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        try (VhostFixture f = new VhostFixture(sock, null, "ubd0=" + dir.resolve("a.img"))) {
            Files.write(dir.resolve("b.img"), new byte[1 << 20]);
            Run r = ubd("serve", "--listen", "vhost-user:" + sock, "ubd0=" + dir.resolve("b.img"));
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("another server is listening there"), r.err());
            assertTrue(Files.exists(sock), "the first server's socket stays");
        }
        assertFalse(Files.exists(sock), "removed when the server closes");
    }

    @Test
    void severalDevicesGetASocketEach() throws Exception {
        Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        Files.write(dir.resolve("b.img"), new byte[2 << 20]);
        try (VhostFixture f = new VhostFixture(dir.resolve("vh"), null, "ubd0=" + dir.resolve("a.img"), "ubd1r=" + dir.resolve("b.img"))) {
            assertEquals(new Endpoint("ubda", 1 << 20, false, dir.resolve("vh.ubda").toString(),
                    Optional.of("virtio_uml.device=" + dir.resolve("vh.ubda") + ":2")), f.server.endpoints().get(0));
            assertEquals(new Endpoint("ubdb", 2 << 20, true, dir.resolve("vh.ubdb").toString(),
                    Optional.of("virtio_uml.device=" + dir.resolve("vh.ubdb") + ":2")), f.server.endpoints().get(1));
            assertTrue(Files.exists(dir.resolve("vh.ubda")) && Files.exists(dir.resolve("vh.ubdb")));
        }
    }
}
