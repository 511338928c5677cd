package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;

/**
 * The launcher as users call it: bin/ubd from the repository, after the package phase built the
 * jar. Exit codes, stdout/stderr split, and no stack traces.
 */
public class UbdLauncherIT {
    @TempDir
    Path dir;

    public static String launcher() {
        return Path.of(System.getProperty("ubd.repo.root", "..")).resolve("bin/ubd").toAbsolutePath().toString();
    }

    static Exec.Result ubd(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher());
        cmd.addAll(List.of(args));
        return Exec.run(cwd, cmd);
    }

    @Test
    void helpAndUsage() {
        Exec.Result help = ubd(dir, "--help");
        assertEquals(0, help.exit(), help.err());
        for (String c : List.of("mkcow", "moo", "info", "check", "map", "rebase")) {
            assertTrue(help.out().contains("  " + c + " "), c);
            assertEquals(0, ubd(dir, c, "--help").exit(), c);
        }
        Exec.Result none = ubd(dir);
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("Usage: ubd"));
        Exec.Result bogus = ubd(dir, "frobnicate");
        assertEquals(2, bogus.exit());
        assertTrue(bogus.err().startsWith("ubd: Unmatched argument at index 0: 'frobnicate'"), bogus.err());
    }

    /**
     * The launcher keeps a class-data sharing archive beside the jar and remakes it when it is
     * older than the jar; whichever archive it finds, a run prints only the command's own output
     * (the JVM's word on an unusable archive goes to stdout unless silenced).
     */
    @Test
    void classDataArchiveFollowsTheJarAndStaysQuiet() throws IOException {
        CowFixtures.referenceBacking(dir, 20);
        assertEquals(0, ubd(dir, "mkcow", "cow.img", "back.img").exit());
        Path target = Path.of(launcher()).getParent().getParent().resolve("ubd-cli/target");
        Path jar = target.resolve("ubd.jar");
        Path jsa = target.resolve("ubd.jsa");
        Exec.Result first = ubd(dir, "info", "cow.img");
        assertEquals(0, first.exit(), first.both());
        assertEquals("", first.err());
        assertTrue(Files.size(jsa) > 0, "an archive beside the jar");
        assertFalse(Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) < 0, "archive newer than the jar");
        // it holds what a start loads, picocli's model of the command too (a dynamic archive skips those classes)
        Exec.Result loads = Exec.run(dir, List.of("env", "JAVA_OPTS=-Xlog:class+load", launcher(), "info", "cow.img"));
        assertEquals(0, loads.exit(), loads.both());
        for (String c : List.of("org.ubdjava.cli.InfoCommand", "org.ubdjava.core.format.CowFile", "picocli.CommandLine",
                "picocli.CommandLine$Model$CommandSpec")) {
            assertTrue(loads.out().contains(" " + c + " source: shared objects file"), c + " from the archive");
        }

        // older than the jar: remade before the run, and the run's output is its own
        Files.setLastModifiedTime(jsa, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 3_600_000));
        Exec.Result stale = ubd(dir, "info", "cow.img");
        assertEquals(0, stale.exit(), stale.both());
        assertEquals("", stale.err());
        assertEquals(first.out(), stale.out());
        assertTrue(Files.size(jsa) > 0);
        assertFalse(Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) < 0, "archive remade");

        // an archive this JVM cannot map (another JVM's, or damaged): the run falls back silently
        byte[] good = Files.readAllBytes(jsa);
        try {
            byte[] bad = good.clone();
            java.util.Arrays.fill(bad, 0, 4096, (byte) 0x5a);
            Files.write(jsa, bad);
            Exec.Result damaged = ubd(dir, "info", "cow.img");
            assertEquals(0, damaged.exit(), damaged.both());
            assertEquals("", damaged.err());
            assertEquals(first.out(), damaged.out());
        } finally {
            Files.write(jsa, good);
        }
    }

    @Test
    void mkcowInfoMooRoundTrip() throws IOException {
        CowFixtures.referenceBacking(dir, 20);
        Exec.Result mk = ubd(dir, "mkcow", "cow.img", "back.img");
        assertEquals(0, mk.exit(), mk.both());
        assertEquals("", mk.both());
        byte[] data = new byte[512];
        java.util.Arrays.fill(data, (byte) 0x99);
        CowFixtures.writeSectors(dir.resolve("cow.img"), 7, data);
        Exec.Result info = ubd(dir, "info", "--json", "cow.img");
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("\"allocated_sectors\" : 1"), info.out());
        Exec.Result moo = ubd(dir, "moo", "cow.img", "out.img");
        assertEquals(0, moo.exit(), moo.both());
        byte[] expected = Files.readAllBytes(dir.resolve("back.img"));
        System.arraycopy(data, 0, expected, 7 * 512, 512);
        assertArrayEquals(expected, Files.readAllBytes(dir.resolve("out.img")));
    }

    @Test
    void errorsAreOneLineWithoutStackTraces() throws IOException {
        Files.write(dir.resolve("junk.img"), new byte[] {'O', 'O', 'O', 'M'});
        Exec.Result r = ubd(dir, "info", "junk.img");
        assertEquals(1, r.exit());
        assertEquals("ubd info: junk.img: read_cow_header - short header (4 bytes)\n", r.err());
        assertEquals("", r.out());
        Exec.Result mk = ubd(dir, "mkcow", "c.img", "missing.img");
        assertEquals(1, mk.exit());
        assertEquals(1, mk.err().lines().count(), mk.err());
        assertFalse(mk.err().contains("Exception"), mk.err());
        assertFalse(Files.exists(dir.resolve("c.img")));
        Exec.Result debug = ubd(dir, "--debug", "info", "junk.img");
        assertEquals(1, debug.exit());
        assertTrue(debug.err().contains("at org.ubdjava"), "--debug shows the trace");
    }
}
