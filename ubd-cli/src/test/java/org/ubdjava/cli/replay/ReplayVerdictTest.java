package org.ubdjava.cli.replay;

import org.ubdjava.core.io.DemoImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A replay that left part of its trace out, or had nothing to replay, does not say PASSED: the
 * first line, the JSON's verdict and the exit code agree, unless --allow-skipped says that is wanted.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReplayVerdictTest {
    @TempDir
    Path dir;

    /** The demo trace (it spans about 64 MiB) over a 1 MiB backing file: most records lie outside. */
    private String[] onSmallDevice(String... extra) throws Exception {
        Path backing = dir.resolve("small.img");
        if (!Files.exists(backing)) {
            DemoImage.create(backing, 1 << 20, 3, 5);
            Files.createDirectories(dir.resolve("run"));
        }
        Path trace = Files.exists(dir.resolve("demo.iolog")) ? dir.resolve("demo.iolog") : ReplayRun.demoTrace(dir);
        List<String> a = new java.util.ArrayList<>(List.of("replay", "--trace", trace.toString(), "--force"));
        a.addAll(List.of(extra));
        a.add("ubd0=" + dir.resolve("run/vm.cow") + "," + backing);
        return a.toArray(String[]::new);
    }

    @Test
    void aTraceMostlyOutsideTheDeviceIsIncompleteNotPassed() throws Exception {
        ReplayRun r = ReplayRun.of(onSmallDevice());
        assertEquals(1, r.exit(), r.out() + r.err());
        String first = r.out().lines().findFirst().orElse("");
        assertTrue(first.startsWith("replay INCOMPLETE: "), first);
        assertFalse(r.out().contains("PASSED"), r.out());
        List<String> err = r.err().lines().toList();
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).matches("\\d+ of \\d+ I/O records of .*demo.iolog lie .*outside the 1048576-byte device and were not "
                + "replayed as recorded \\(--allow-skipped accepts that\\)"), err.get(0));

        JsonNode j = Json.mapper().readTree(ReplayRun.of(onSmallDevice("--json")).out());
        assertEquals("incomplete", j.get("verdict").asText());
        assertFalse(j.get("passed").asBoolean());
        assertTrue(j.get("not_replayed").asLong() > 1000, j.toString());
        assertEquals(0, j.get("mismatches").asLong());
    }

    @Test
    void allowSkippedPassesWhatWasReplayedAndSaysWhatWasLeftOut() throws Exception {
        ReplayRun r = ReplayRun.of(onSmallDevice("--allow-skipped"));
        assertEquals(0, r.exit(), r.out() + r.err());
        String first = r.out().lines().findFirst().orElse("");
        assertTrue(first.matches("replay PASSED: 1 VMs, \\d+ requests .*; \\d+ I/O records outside the device not replayed "
                + "\\(--allow-skipped\\)"), first);
        JsonNode j = Json.mapper().readTree(ReplayRun.of(onSmallDevice("--allow-skipped", "--json")).out());
        assertEquals("passed", j.get("verdict").asText());
        assertTrue(j.get("not_replayed").asLong() > 1000, j.toString());
    }

    @Test
    void aTraceWithNothingToReplayNeverPasses() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.iolog"), "fio version 2 iolog\nd add\nd open\nd close\n");
        for (String allow : new String[] {"--merge-check=0", "--allow-skipped"}) {
            String[] a = onSmallDevice(allow);
            a[2] = empty.toString();
            ReplayRun r = ReplayRun.of(a);
            assertEquals(1, r.exit(), r.out() + r.err());
            assertTrue(r.out().startsWith("replay INCOMPLETE: 1 VMs, 0 requests"), r.out());
            assertEquals(List.of("nothing was replayed: " + empty + " has no I/O record on the device, so nothing was verified"),
                    r.err().lines().toList());
        }
    }

    @Test
    void aTraceThatFitsStillPasses() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 3, 2, "--merge-check", "1"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals("passed", j.get("verdict").asText());
        assertEquals(0, j.get("not_replayed").asLong());
    }
}
