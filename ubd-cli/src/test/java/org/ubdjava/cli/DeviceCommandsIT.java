package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;

/** ubd cat, ubd write and ubd parse as users run them, through bin/ubd. */
class DeviceCommandsIT {
    @TempDir
    Path dir;

    static Exec.Result ubd(Path cwd, String... args) {
        return UbdLauncherIT.ubd(cwd, args);
    }

    /** The output of a command, as bytes (Exec keeps text). */
    static byte[] catBytes(Path cwd, String... args) throws IOException {
        Path out = cwd.resolve("cat.out");
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "\"$0\" \"$@\" > " + out, UbdLauncherIT.launcher()));
        cmd.addAll(List.of(args));
        Exec.Result r = Exec.run(cwd, cmd);
        assertEquals(0, r.exit(), r.err());
        return Files.readAllBytes(out);
    }

    @Test
    void writeThenCatGivesTheGuestsView() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 100);
        byte[] data = new byte[2048];
        new Random(3).nextBytes(data);
        Files.write(dir.resolve("data.bin"), data);
        Exec.Result w = ubd(dir, "write", "--offset", "5120", "--input", "data.bin", "ubd0=cow.img,back.img");
        assertEquals(0, w.exit(), w.err());
        assertEquals("Creating \"cow.img\" as COW file for \"back.img\"\n", w.err());
        byte[] expected = Files.readAllBytes(back);
        System.arraycopy(data, 0, expected, 5120, data.length);
        assertArrayEquals(expected, catBytes(dir, "cat", "ubd0r=cow.img"));
        assertArrayEquals(Arrays.copyOfRange(expected, 4608, 4608 + 1024),
                catBytes(dir, "cat", "--offset", "4608", "--length", "1024", "ubd0r=cow.img"));
        assertArrayEquals(Files.readAllBytes(back), catBytes(dir, "cat", "ubd0r=back.img"), "the backing file is untouched");
    }

    @Test
    void badSpecsAndRangesAreOneLineErrors() throws IOException {
        CowFixtures.referenceBacking(dir, 100);
        Exec.Result spec = ubd(dir, "cat", "ubdz=cow.img");
        assertEquals(2, spec.exit());
        assertTrue(spec.err().startsWith("ubd cat: Failed to initialize device with \"z=cow.img\" : Device number out of range"), spec.err());
        Exec.Result unaligned = ubd(dir, "cat", "--offset", "100", "ubd0r=back.img");
        assertEquals(2, unaligned.exit());
        assertTrue(unaligned.err().startsWith("ubd cat: Invalid value for option '--offset': '100' is not a multiple of 512 bytes"), unaligned.err());
        Exec.Result range = ubd(dir, "cat", "--offset", "51712", "ubd0r=back.img");
        assertEquals(1, range.exit());
        assertEquals("ubd cat: ubda: --offset 51712 runs past the end of the device (51200 bytes)\n", range.err());
        Files.write(dir.resolve("odd.bin"), new byte[700]);
        Exec.Result odd = ubd(dir, "write", "--offset", "0", "--input", "odd.bin", "ubd0=cow.img,back.img");
        assertEquals(1, odd.exit());
        assertTrue(odd.err().contains("the data ends 188 bytes into a sector"), odd.err());
        Exec.Result missing = ubd(dir, "cat", "ubd0=nothing.img");
        assertEquals(1, missing.exit());
        assertEquals("Failed to initialize ubd device 0 :Couldn't determine size of device's file\n"
                + "ubd cat: nothing.img: No such file or directory\n", missing.err());
        Exec.Result parse = ubd(dir, "parse", "--json", "ubd0=cow.img,back.img", "ubd1rc=x.img");
        assertEquals(0, parse.exit(), parse.err());
        assertTrue(parse.out().contains("\"flags\" : \"rc\""), parse.out());
        assertFalse(Files.exists(dir.resolve("x.img")), "parse touches no file");
    }

    /** Skips the test, with a visible line, where strace is not installed. */
    private static void assumeStrace(String test) {
        if (RealTools.find("strace").isEmpty()) {
            System.err.println("*** TEST SKIPPED DeviceCommandsIT." + test + ": strace is not installed (apt-get install -y strace)");
        }
        Assumptions.assumeTrue(RealTools.find("strace").isPresent(), "strace is not installed");
    }

    /** A command runs no program but the launcher's own few and java: nothing spawned at start (JNA's ldconfig was). */
    @Test
    void aCommandStartsNoOtherProgram() throws IOException {
        assumeStrace("aCommandStartsNoOtherProgram");
        CowFixtures.referenceBacking(dir, 100);
        Files.write(dir.resolve("data.bin"), new byte[512]);
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "trace=execve", "-o", dir.resolve("trace").toString(),
                UbdLauncherIT.launcher(), "write", "--offset", "0", "--input", "data.bin", "ubd0=cow.img,back.img"));
        Exec.Result r = Exec.run(dir, cmd);
        assertEquals(0, r.exit(), r.err());
        List<String> started = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("trace"))) {
            int at = line.indexOf("execve(\"");
            if (at >= 0 && line.endsWith("= 0")) {
                String path = line.substring(at + 8, line.indexOf('"', at + 8));
                started.add(path.substring(path.lastIndexOf('/') + 1));
            }
        }
        assertTrue(started.contains("java"), started.toString());
        assertTrue(List.of("ubd", "bash", "readlink", "dirname", "find", "java").containsAll(started), started.toString());
    }

    @Test
    void flushReachesTheCowFileOnDisk() throws IOException {
        // B2: the kernel's flush syncs nothing (5.11+); ours fdatasyncs the COW file
        assumeStrace("flushReachesTheCowFileOnDisk");
        CowFixtures.referenceBacking(dir, 100);
        Files.write(dir.resolve("data.bin"), new byte[512]);
        // -y prints each descriptor's path: no need to follow openat through interleaved threads
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-y", "-e", "trace=fdatasync", "-o", dir.resolve("trace").toString(),
                UbdLauncherIT.launcher(), "write", "--offset", "0", "--input", "data.bin", "ubd0=cow.img,back.img"));
        Exec.Result r = Exec.run(dir, cmd);
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("trace"));
        String cow = dir.toRealPath().resolve("cow.img").toString();
        assertTrue(lines.stream().anyMatch(l -> l.contains("fdatasync(") && l.contains("<" + cow + ">")), "no fdatasync of the COW file: " + lines);
        assertTrue(lines.stream().noneMatch(l -> l.contains("fdatasync") && l.contains("= -1")), "a failed fdatasync: " + lines);
    }
}
