package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.trace.TraceFormat;

/** What a user can type wrong in a replay's paths and names: one line, the right exit code, nothing made. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReplayUserMistakesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDirectoryOfTheCowFilesIsRefusedNotCreated() throws Exception {
        String[] a = ReplayRun.demoArgs(dir, 1, 1);
        a[a.length - 1] = "ubd0=" + dir.resolve("nonexist/z.cow") + "," + dir.resolve("base.img");
        ReplayRun r = ReplayRun.of(a);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(List.of("ubd replay: " + dir.resolve("nonexist") + ": no such directory for the COW files (a replay makes "
                + "no directory but --out)"), r.err().lines().toList());
        assertEquals("", r.out());
        assertFalse(Files.exists(dir.resolve("nonexist")));
    }

    /**
     * A fleet whose COW files cannot all be open at once (ulimit -n) is refused before any COW file
     * is made, naming the limit, where it would stop part-way with EMFILE at some VM.
     */
    @Test
    void moreVmsThanTheProcessMayOpenFilesIsRefusedBeforeAnyIsMade() throws Exception {
        ReplayRun r = ReplayRun.inChildJvm("ulimit -n 300", List.of(), ReplayRun.demoArgs(dir, 1, 400, "--merge-check", "0"));
        String out = r.out();
        assertEquals(1, r.exit(), out);
        assertTrue(out.strip().matches("ubd replay: --vms 400: 400 VMs running at once keep 400 COW files open, and this process may "
                + "open 300 files \\(ulimit -n\\); run at most [0-9]+ at a time \\(--at-once [0-9]+\\) or split the fleet over processes "
                + "\\(--shard K/N\\)"), out);
        try (var made = Files.list(dir.resolve("run"))) {
            assertEquals(0, made.count(), "no COW file made");
        }
    }

    /**
     * A fleet run in turns (--at-once) needs the memory of the VMs running, not of the whole
     * fleet: a finished VM's request buffers are let go when it retires. Here 600 VMs, 20 at a
     * time, in 48 MiB of direct memory, where the whole fleet's buffers take several times that.
     */
    @Test
    void vmsRunInTurnsNeedTheDirectMemoryOfThoseRunningOnly() throws Exception {
        ReplayRun r = ReplayRun.inChildJvm("", List.of("-XX:MaxDirectMemorySize=48m"),
                ReplayRun.demoArgs(dir, 1, 600, "--at-once", "20", "--limit", "200", "--merge-check", "0", "--alloc-unit", "0"));
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\"verdict\" : \"passed\""), r.out());
    }

    @Test
    void anOutThatIsAFileIsRefusedBeforeTheRun() throws Exception {
        Path file = Files.writeString(dir.resolve("report.txt"), "mine");
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 1, 1, "--out", file.toString()));
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(List.of("ubd replay: " + file + ": --out names a file, not a directory"), r.err().lines().toList());
        assertEquals("", r.out(), "refused before the run");
        assertEquals("mine", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("run/vm-0.cow")));
    }

    @Test
    void anOutDirectoryIsCreated() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 1, 1, "--merge-check", "0", "--out", dir.resolve("new/report").toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.size(dir.resolve("new/report/report.json")) > 0);
    }

    @Test
    void everyFormatNameTheHelpListsIsAccepted() throws Exception {
        String help = ReplayRun.of("replay", "--help").out();
        String line = help.lines().filter(l -> l.trim().startsWith("--format=F")).findFirst().orElseThrow();
        assertTrue(line.contains("Trace format: " + TraceFormat.cliNames() + ";"), line);
        for (String name : TraceFormat.cliNames().split(", ")) {
            for (String spelled : new String[] {name, name.toUpperCase(java.util.Locale.ROOT)}) {
                ReplayRun r = ReplayRun.of("cache-sim", "--format", spelled, "--trace", dir.resolve("none").toString());
                assertEquals(1, r.exit(), spelled + ": " + r.err()); // the format is taken; the missing file is what fails
                assertTrue(r.err().contains("none"), r.err());
            }
        }
        ReplayRun fio = ReplayRun.of(ReplayRun.demoArgs(dir, 1, 1, "--merge-check", "0", "--format", "FIO"));
        assertEquals(0, fio.exit(), fio.err());
    }
}
