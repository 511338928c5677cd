package org.ubdjava.cli.replay;

import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;
import org.ubdjava.harness.replay.ReplayOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.replay.ReplayOptions.Shift;

import com.fasterxml.jackson.databind.JsonNode;

/** VMs shifted in time, in space at random, on a trace each, and a bounded number at once. */
class ReplayScheduleTest {
    @TempDir
    Path dir;

    private JsonNode passes(String... extra) throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 11, 8, extra));
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(0, j.get("mismatches").asLong());
        assertTrue(j.get("backing_unchanged").asBoolean());
        assertTrue(j.get("bitmaps_exact").asBoolean());
        assertEquals(j.get("merge_checked").asInt(), j.get("merge_ok").asInt());
        return j;
    }

    @Test
    void vmsShiftedInTimeReplayEveryRecordAndVerify() throws Exception {
        JsonNode j = passes("--shift-time");
        assertEquals(8 * 2547L, j.get("requests").asLong());
        assertEquals(8 * 1017L, j.get("reads_verified").asLong());
        assertEquals("even", j.get("schedule").get("shift_time").asText());
        assertEquals("none", j.get("schedule").get("shift_space").asText());
    }

    @Test
    void randomShiftsFromEachVmsSeedInTimeAndSpace() throws Exception {
        JsonNode j = passes("--shift-time", "--shift-space", "--random-shifts", "--seed", "99", "--merge-check", "3");
        assertEquals("random", j.get("schedule").get("shift_time").asText());
        assertEquals("random", j.get("schedule").get("shift_space").asText());
        assertEquals(3, j.get("merge_ok").asInt());
    }

    /**
     * The demo trace spans 81.6 ms: at a twentieth of its speed every VM, whatever its start,
     * needs at least 1.63 s (a lower bound only: pacing holds requests back, never hurries them;
     * elapsed_s is rounded to a tenth).
     */
    @Test
    void pacedShiftedVmsFollowTraceTime() throws Exception {
        double seconds = traceSpanMicros(ReplayRun.demoTrace(dir)) / 1e6 / 0.05;
        JsonNode j = passes("--pace", "0.05", "--shift-time", "--merge-check", "0");
        assertTrue(seconds > 1.5, "trace span " + seconds);
        assertTrue(j.get("elapsed_s").asDouble() >= seconds - 0.06, j.get("elapsed_s") + " s for a " + seconds + " s schedule");
        assertEquals(8 * 2547L, j.get("requests").asLong());
    }

    @Test
    void shiftedVmsStillCatchStaleReads() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 11, 8, "--shift-time", "--random-shifts", "--inject", "stale-reads:100"));
        assertEquals(1, r.exit(), r.out());
        assertTrue(Json.mapper().readTree(r.out()).get("mismatches").asLong() > 0, r.out());
    }

    @Test
    void oneTracePerVm() throws Exception {
        Path demo = ReplayRun.demoTrace(dir);
        // a second trace: the demo's second half, so the two plans differ in records and sectors
        List<String> lines = Files.readAllLines(demo);
        List<String> head = lines.stream().takeWhile(l -> !l.contains(" write ") && !l.contains(" read ")).toList();
        List<String> io = lines.subList(head.size(), lines.size());
        Path half = dir.resolve("half.iolog");
        Files.write(half, Stream.concat(head.stream(), io.subList(io.size() / 2, io.size()).stream()).toList());
        JsonNode j = passes("--trace", half.toString(), "--merge-check", "2");
        JsonNode traces = j.get("traces");
        assertEquals(2, traces.size(), j.toString());
        assertEquals(4, traces.get(0).get("vms").asInt());
        assertEquals(2547, traces.get(0).get("replayed_per_vm").asInt());
        int second = traces.get(1).get("replayed_per_vm").asInt();
        assertTrue(second > 0 && second < 2547, j.toString());
        assertEquals(4L * 2547 + 4L * second, j.get("requests").asLong());
    }

    @Test
    void moreTracesThanVmsIsAWrongCommandLine() throws Exception {
        Path demo = ReplayRun.demoTrace(dir);
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 11, 1, "--trace", demo.toString()));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("2 traces for 1 VMs"), r.err());
    }

    @Test
    void randomShiftsOfNothingIsAWrongCommandLine() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 11, 2, "--random-shifts"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--random-shifts needs --shift-time or --shift-space"), r.err());
    }

    @Test
    void atOnceBoundsTheRunningVmsAndDeletesCheckedCowFiles() throws Exception {
        JsonNode j = passes("--at-once", "3", "--merge-check", "8");
        assertEquals(3, j.get("schedule").get("at_once").asInt());
        assertEquals(8, j.get("merge_ok").asInt());
        assertFalse(j.get("disk_usage").get("cow_files_kept").asBoolean());
        assertTrue(j.get("disk_usage").get("cow_disk_usage_total").asLong() > 0, "usage measured before deletion");
        try (Stream<Path> left = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), left.toList(), "every VM's COW file deleted once checked");
        }
    }

    @Test
    void atOnceStillCatchesDroppedWrites() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 11, 8, "--at-once", "2", "--inject", "drop-writes:50"));
        assertEquals(1, r.exit(), r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        assertTrue(j.get("mismatches").asLong() > 0, r.out());
        assertFalse(j.get("bitmaps_exact").asBoolean(), r.out());
    }


    /** From the first record's time to the last's, in the trace's own microseconds. */
    private static long traceSpanMicros(Path trace) throws Exception {
        long first = -1;
        long last = -1;
        try (TraceReader t = TraceReaders.open(trace)) {
            TraceRecord.Mutable m = new TraceRecord.Mutable();
            while (t.next(m)) {
                first = first < 0 ? m.timestampMicros() : first;
                last = m.timestampMicros();
            }
        }
        return last - first;
    }
}
