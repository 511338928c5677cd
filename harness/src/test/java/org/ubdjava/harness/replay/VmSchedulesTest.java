package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.replay.ReplayOptions.Shift;

/** The schedules of VMs shifted in time and space, and the disk budget of their COW files. */
class VmSchedulesTest {
    @TempDir
    Path dir;

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

    @Test
    void aReplayThatCannotFitIsRefusedBeforeWriting() throws Exception {
        ReplayPlan plan = demoPlan();
        long perVm = DiskBudget.cowBytes(plan);
        assertTrue(perVm >= plan.model.sectors() * SECTOR, "at least the distinct sectors");
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
        long touched = plan.model.view().keySet().longStream().map(s -> s * SECTOR / unit).distinct().count();
        long perVm = DiskBudget.cowBytes(plan, unit);
        assertTrue(perVm >= touched * unit, perVm + " for " + touched + " units");
        assertTrue(perVm <= DiskBudget.wholeCowBytes(plan), perVm + " past the whole file");
        assertEquals(DiskBudget.cowBytes(plan), DiskBudget.cowBytes(plan, 0));
        // refused with units, the message offers block by block too; without them it does not
        ReplayOptions withUnits = options(8, Shift.NONE, Shift.NONE, 1).toBuilder().allocationUnit(unit).build();
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
        Path trace = dir.resolve("demo.iolog");
        try (var in = VmSchedulesTest.class.getResourceAsStream("/traces/demo.iolog")) {
            Files.copy(in, trace);
        }
        try (var reader = org.ubdjava.harness.trace.TraceReaders.open(trace)) {
            return ReplayPlan.build(reader, 64L << 20, Long.MAX_VALUE, dir);
        }
    }

    private static ReplayOptions options(int vms, Shift time, Shift space, long seed) {
        return ReplayOptions.builder(List.of(() -> null), "ubd0=a,b").vms(vms).maxInflight(1).seed(seed).shifts(time, space)
                .mergeChecks(0).allocationUnit(0).build();
    }
}
