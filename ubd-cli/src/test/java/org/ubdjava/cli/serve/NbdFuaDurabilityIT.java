package org.ubdjava.cli.serve;

import org.ubdjava.export.nbd.RawNbdClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.cli.UbdLauncherIT;

/**
 * FUA is durable before its reply, shown as the flush test shows a flush: strace of {@code ubd
 * serve} sees the COW file's fdatasync return before the reply is written to the socket, and a
 * plain write sync nothing. On an 's' device the COW file is open O_SYNC, so FUA adds no sync.
 */
@Timeout(120)
class NbdFuaDurabilityIT {
    @TempDir
    Path dir;

    static byte[] pattern(String word, int length) {
        byte[] b = new byte[length];
        byte[] w = word.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            b[i] = w[i % w.length];
        }
        return b;
    }

    @Test
    void aFuaWriteIsSyncedBeforeItsReply() throws Exception {
        if (RealTools.find("strace").isEmpty()) {
            System.err.println("*** TEST SKIPPED NbdFuaDurabilityIT: strace is not installed (apt-get install -y strace)");
        }
        Assumptions.assumeTrue(RealTools.find("strace").isPresent(), "strace is not installed");
        Path back = CowFixtures.referenceBacking(dir, 2048);
        Path socket = dir.resolve("s.sock");
        Path trace = dir.resolve("trace");
        Process server = new ProcessBuilder("strace", "-f", "-qq", "-y", "-e", "trace=openat,pwrite64,write,fdatasync,fsync",
                "-o", trace.toString(), UbdLauncherIT.launcher(), "serve", "--listen", "unix:" + socket,
                "ubd0=" + dir.resolve("cow.img") + "," + back, "ubd1s=" + dir.resolve("sync.img") + "," + back)
                .directory(dir.toFile()).redirectError(dir.resolve("serve.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(out.readLine() != null && out.readLine() != null, "ubd serve did not start: " + Files.readString(dir.resolve("serve.err")));
            for (String export : List.of("ubda", "ubdb")) {
                try (RawNbdClient c = new RawNbdClient(socket).greet()) {
                    long[] e = c.exportName(export);
                    assertTrue((e[1] & NBD_FLAG_SEND_FUA) != 0, export + " offers FUA");
                    c.request(NBD_CMD_WRITE, 0, 1, 0, 4096, pattern("PLAIN-ONE-" + export, 4096));
                    assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 1), c.simpleReply());
                    c.request(NBD_CMD_WRITE, NBD_CMD_FLAG_FUA, 2, 65536, 4096, pattern("FUA-WRITE-" + export, 4096));
                    assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 2), c.simpleReply());
                    c.request(NBD_CMD_WRITE, 0, 3, 131072, 4096, pattern("PLAIN-TWO-" + export, 4096));
                    assertEquals(new RawNbdClient.SimpleReply(NBD_OK, 3), c.simpleReply());
                    c.request(NBD_CMD_DISC, 0, 4, 0, 0, null);
                }
            }
        } finally {
            // SIGTERM to ubd serve itself: strace, told, would detach and leave it running
            server.toHandle().descendants().forEach(ProcessHandle::destroy);
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly();
            }
        }
        List<String> lines = Files.readAllLines(trace);
        String cow = dir.toRealPath().resolve("cow.img").toString();
        String sync = dir.toRealPath().resolve("sync.img").toString();
        assertTrue(lines.stream().anyMatch(l -> l.contains("openat(") && l.contains(sync) && l.contains("O_SYNC")),
                "'s' opens its COW file O_SYNC: " + lines.stream().filter(l -> l.contains("openat(")).toList());
        assertTrue(lines.stream().noneMatch(l -> l.contains("openat(") && l.contains(cow) && l.contains("O_SYNC")));

        int plain = index(lines, 0, l -> l.contains("pwrite64(") && l.contains("<" + cow + ">") && l.contains("PLAIN-ONE"));
        int fua = index(lines, plain, l -> l.contains("pwrite64(") && l.contains("<" + cow + ">") && l.contains("FUA-WRITE"));
        int next = index(lines, fua, l -> l.contains("pwrite64(") && l.contains("<" + cow + ">") && l.contains("PLAIN-TWO"));
        assertEquals(-1, indexBetween(lines, plain, fua, l -> isSyncOf(l, cow)), "a plain write syncs nothing");
        int syncCall = indexBetween(lines, fua, next, l -> isSyncOf(l, cow));
        assertTrue(syncCall > fua, "no fdatasync of the COW file after the FUA write: " + lines.subList(fua, next));
        int syncDone = syncDone(lines, syncCall);
        int reply = indexBetween(lines, fua, next, NbdFuaDurabilityIT::isReplyWrite);
        assertTrue(reply > 0, "no 16-byte reply written to the socket: " + lines.subList(fua, next));
        assertTrue(syncDone < reply, "the fdatasync returned (line " + syncDone + ") before the reply was sent (line " + reply + "): "
                + lines.subList(fua, next + 1));

        int sFua = index(lines, 0, l -> l.contains("pwrite64(") && l.contains("<" + sync + ">") && l.contains("FUA-WRITE"));
        int sNext = index(lines, sFua, l -> l.contains("pwrite64(") && l.contains("<" + sync + ">") && l.contains("PLAIN-TWO"));
        assertEquals(-1, indexBetween(lines, sFua, sNext, l -> isSyncOf(l, sync)), "O_SYNC: FUA needs no fdatasync");
    }

    interface LineTest {
        boolean test(String line);
    }

    static int index(List<String> lines, int from, LineTest t) {
        for (int i = Math.max(0, from); i < lines.size(); i++) {
            if (t.test(lines.get(i))) {
                return i;
            }
        }
        throw new AssertionError("not in the trace");
    }

    static int indexBetween(List<String> lines, int from, int to, LineTest t) {
        for (int i = from + 1; i < to; i++) {
            if (t.test(lines.get(i))) {
                return i;
            }
        }
        return -1;
    }

    static boolean isSyncOf(String line, String file) {
        return (line.contains("fdatasync(") || line.contains("fsync(")) && line.contains("<" + file + ">");
    }

    private static final Pattern PID = Pattern.compile("^(\\d+)\\s");

    /** The line where the call at {@code call} returned 0: the same line, or its "resumed" line from the same thread. */
    static int syncDone(List<String> lines, int call) {
        String l = lines.get(call);
        if (!l.contains("<unfinished ...>")) {
            assertTrue(l.trim().endsWith("= 0"), l);
            return call;
        }
        Matcher m = PID.matcher(l);
        assertTrue(m.find(), l);
        String pid = m.group(1);
        for (int i = call + 1; i < lines.size(); i++) {
            String r = lines.get(i);
            if (r.startsWith(pid + " ") && r.contains("resumed>")) {
                assertTrue(r.trim().endsWith("= 0"), r);
                return i;
            }
        }
        throw new AssertionError("the fdatasync never returned");
    }

    /** A simple reply leaving for the client: 16 bytes written to the socket. */
    static boolean isReplyWrite(String line) {
        return line.matches("^\\d+\\s+write\\(\\d+<(UNIX|socket)[^>]*>, .*, 16(\\)| <unfinished).*");
    }
}
