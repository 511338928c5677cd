package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/** The demo trace over 8 VMs: clean replay, JSON contract, faults caught, old COW files refused. */
class ReplayDemoTraceTest {
    @TempDir
    Path dir;

    private String[] args(String... extra) throws Exception {
        return ReplayRun.demoArgs(dir, 7, 8, extra);
    }

    @Test
    void demoTraceOverEightVmsPassesWithTypedJsonAndCharts() throws Exception {
        ReplayRun r = ReplayRun.of(args("--out", dir.resolve("report").toString(), "--shift-space"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(8, j.get("vms").asInt());
        assertTrue(j.get("requests").isIntegralNumber() && j.get("requests").asLong() == 8 * 2547L, r.out());
        assertTrue(j.get("reads_verified").asLong() == 8 * 1017L, r.out());
        assertEquals(0, j.get("mismatches").asLong());
        assertTrue(j.get("backing_unchanged").isBoolean() && j.get("backing_unchanged").asBoolean());
        assertTrue(j.get("bitmaps_exact").isBoolean() && j.get("bitmaps_exact").asBoolean());
        assertTrue(j.get("iops").isNumber() && j.get("mb_per_s").isNumber());
        for (String p : new String[] {"p50", "p99", "p999"}) {
            assertTrue(j.get("latency_us").get(p).isNumber(), p);
        }
        assertEquals(2, j.get("merge_ok").asInt());
        assertTrue(j.get("model").get("bytes_per_written_sector").asDouble() < 64, r.out());
        for (String f : new String[] {"report.json", "report.html", "throughput.png", "latency.png", "per-vm.png", "cow-growth.png"}) {
            assertTrue(Files.size(dir.resolve("report").resolve(f)) > 0, f);
        }
        assertTrue(Files.exists(dir.resolve("run/vm-7.cow")));
    }

    @Test
    void existingCowFilesAreRefusedWithoutForce() throws Exception {
        assertEquals(0, ReplayRun.of(args("--merge-check", "0")).exit());
        ReplayRun again = ReplayRun.of(args());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("vm-0.cow: exists from an earlier run") && again.err().contains("--force"), again.err());
        assertEquals(1, again.err().lines().count(), again.err());
        assertEquals(0, ReplayRun.of(args("--force", "--merge-check", "0")).exit());
    }

    @Test
    void aMalformedTraceIsOneLineAndLeavesNothingBehind() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.iolog"), "fio version 2 iolog\n/x add\n/x open\n/x write abc 4096\n");
        String[] a = args("--merge-check", "0");
        a[2] = bad.toString(); // the --trace value
        ReplayRun r = ReplayRun.of(a);
        assertEquals(1, r.exit(), r.out());
        assertEquals(List.of("ubd replay: " + bad + ":4: fio iolog: expected OFFSET LENGTH after 'write', got 'write abc 4096'"), r.err().lines().toList());
        try (var left = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), left.toList(), "no COW file, no spilled plan");
        }
    }

    @Test
    void aCowDirectoryThatIsAFileIsOneLine() throws Exception {
        Files.writeString(dir.resolve("plain"), "a file");
        String[] a = args("--merge-check", "0");
        a[a.length - 1] = "ubd0=" + dir.resolve("plain/vm.cow") + "," + dir.resolve("base.img");
        ReplayRun r = ReplayRun.of(a);
        assertEquals(1, r.exit(), r.out());
        assertEquals(List.of("ubd replay: " + dir.resolve("plain") + ": not a directory, so no place for the COW files"), r.err().lines().toList());
    }

    @Test
    void droppedWritesAreCaught() throws Exception {
        ReplayRun r = ReplayRun.of(args("--inject", "drop-writes:50"));
        assertEquals(1, r.exit(), r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        assertTrue(j.get("mismatches").asLong() > 0, r.out());
        assertTrue(!j.get("bitmaps_exact").asBoolean(), r.out());
        assertTrue(j.get("backing_unchanged").asBoolean());
        assertTrue(r.err().contains("expected request "), r.err());
        assertTrue(r.err().contains("more problems"), r.err());
    }

    @Test
    void staleReadsAreCaught() throws Exception {
        ReplayRun r = ReplayRun.of(args("--inject", "stale-reads:100"));
        assertEquals(1, r.exit(), r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        assertTrue(j.get("mismatches").asLong() > 0, r.out());
        assertTrue(j.get("bitmaps_exact").asBoolean(), "only reads lie: the files are right");
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("vm ") && l.contains("sector")), r.err());
    }
}
