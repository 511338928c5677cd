package org.ubdjava.cli.replay;

import org.ubdjava.harness.replay.DiskBudget;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayPlan;
import org.ubdjava.harness.replay.VmSchedule;

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

    @Test
    void randomShiftsAreRepeatableAndDifferPerVm() throws Exception {
        ReplayPlan plan = demoPlan();
        ReplayOptions o = options(8, Shift.RANDOM, Shift.RANDOM, 5);
        List<VmSchedule> a = Replay.schedules(List.of(plan), o);
        List<VmSchedule> b = Replay.schedules(List.of(plan), o);
        for (int vm = 0; vm < 8; vm++) {
            assertEquals(a.get(vm).start, b.get(vm).start);
            assertEquals(a.get(vm).shift, b.get(vm).shift);
        }
        assertTrue(a.stream().mapToInt(s -> s.start).distinct().count() > 4, "starts drawn per VM");
        assertTrue(a.stream().mapToLong(s -> s.shift).distinct().count() > 4, "shifts drawn per VM");
        List<VmSchedule> other = Replay.schedules(List.of(plan), options(8, Shift.RANDOM, Shift.RANDOM, 6));
        assertTrue(other.get(0).start != a.get(0).start || other.get(0).shift != a.get(0).shift, "another seed, other shifts");
    }

    @Test
    void evenTimeShiftsFollowTraceTime() throws Exception {
        ReplayPlan plan = demoPlan();
        assertTrue(plan.timeOrdered);
        List<VmSchedule> s = Replay.schedules(List.of(plan), options(4, Shift.EVEN, Shift.NONE, 1));
        long first = plan.timeMicros(0);
        long span = plan.timeMicros(plan.count - 1) - first;
        assertEquals(0, s.get(0).start);
        for (int vm = 1; vm < 4; vm++) {
            int start = s.get(vm).start;
            long target = first + span * vm / 4;
            assertTrue(plan.timeMicros(start) >= target && plan.timeMicros(start - 1) < target, "vm " + vm + " starts at record " + start);
        }
    }

    /**
     * The demo trace spans 81.6 ms: at a twentieth of its speed every VM, whatever its start,
     * needs at least 1.63 s (a lower bound only: pacing holds requests back, never hurries them;
     * elapsed_s is rounded to a tenth).
     */
    @Test
    void pacedShiftedVmsFollowTraceTime() throws Exception {
        ReplayPlan plan = demoPlan();
        double seconds = (plan.timeMicros(plan.count - 1) - plan.timeMicros(0)) / 1e6 / 0.05;
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

    @Test
    void aReplayThatCannotFitIsRefusedBeforeWriting() throws Exception {
        ReplayPlan plan = demoPlan();
        long perVm = DiskBudget.cowBytes(plan);
        assertTrue(perVm >= plan.model.sectors() * ReplayPlan.SECTOR, "at least the distinct sectors");
        UbdException e = assertThrows(UbdException.class,
                () -> DiskBudget.check(dir, perVm, options(8, Shift.NONE, Shift.NONE, 1), 0, false, 0, perVm * 5));
        assertTrue(e.getMessage().startsWith(dir + ": the COW files need up to "), e.getMessage());
        assertTrue(e.getMessage().contains("(--at-once 5)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        DiskBudget.check(dir, perVm, options(8, Shift.NONE, Shift.NONE, 1), 0, false, 0, perVm * 8);
        UbdException none = assertThrows(UbdException.class,
                () -> DiskBudget.check(dir, perVm, options(8, Shift.NONE, Shift.NONE, 1), 0, false, 0, perVm / 2));
        assertTrue(none.getMessage().endsWith("free some space or use another directory"), none.getMessage());
    }

    @Test
    void growingByUnitsBudgetsTheUnitsTouchedAndNeverMoreThanTheWholeFile() throws Exception {
        ReplayPlan plan = demoPlan();
        long unit = 1 << 20;
        long touched = plan.model.view().keySet().longStream().map(s -> s * ReplayPlan.SECTOR / unit).distinct().count();
        long perVm = DiskBudget.cowBytes(plan, unit);
        assertTrue(perVm >= touched * unit, perVm + " for " + touched + " units");
        assertTrue(perVm <= DiskBudget.wholeCowBytes(plan), perVm + " past the whole file");
        assertEquals(DiskBudget.cowBytes(plan), DiskBudget.cowBytes(plan, 0));
        // refused with units, the message offers block by block too; without them it does not
        ReplayOptions withUnits = new ReplayOptions(List.of(() -> null), "ubd0=a,b", 8, 1, 0, 1, Shift.NONE, Shift.NONE, 0, false, 0,
                Long.MAX_VALUE, null, null, 0, org.ubdjava.core.format.Preallocation.OFF, unit);
        UbdException e = assertThrows(UbdException.class, () -> DiskBudget.check(dir, perVm, withUnits, 0, false, 0, perVm * 5));
        assertTrue(e.getMessage().endsWith("(--at-once 5) or use another directory, or let the COW files grow block by block "
                + "(--alloc-unit 0)"), e.getMessage());
        // the budget of a run in tmpfs counts no units: the driver uses none there
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.getFileStore(shm).type().equals("tmpfs")) {
            assertEquals(DiskBudget.cowBytes(plan), DiskBudget.perVm(shm, List.of(plan), withUnits));
        } else {
            System.out.println("*** no tmpfs at /dev/shm: the tmpfs case of the disk budget skipped");
        }
        if (!Files.getFileStore(dir).type().equals("tmpfs")) {
            assertEquals(perVm, DiskBudget.perVm(dir, List.of(plan), withUnits));
        }
        UbdException blockwise = assertThrows(UbdException.class,
                () -> DiskBudget.check(dir, perVm, options(8, Shift.NONE, Shift.NONE, 1), 0, false, 0, perVm * 5));
        assertFalse(blockwise.getMessage().contains("--alloc-unit"), blockwise.getMessage());
    }

    private ReplayPlan demoPlan() throws Exception {
        Path trace = ReplayRun.demoTrace(dir);
        try (var reader = org.ubdjava.harness.trace.TraceReaders.open(trace)) {
            return ReplayPlan.build(reader, 64L << 20, Long.MAX_VALUE, dir);
        }
    }

    private static ReplayOptions options(int vms, Shift time, Shift space, long seed) {
        return new ReplayOptions(List.of(() -> null), "ubd0=a,b", vms, 1, 0, seed, time, space, 0, false, 0, Long.MAX_VALUE, null, null, 0,
                org.ubdjava.core.format.Preallocation.OFF, 0);
    }
}
