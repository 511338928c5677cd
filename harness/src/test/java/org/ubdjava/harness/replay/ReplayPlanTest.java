package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

/** The plan's accessors against the trace it was built from, and its spill files. */
class ReplayPlanTest {
    static final long DEVICE = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void accessorsReturnTheTraceAndTheSourcesOfEachRead() throws IOException {
        Path spill = Files.createDirectory(dir.resolve("spill"));
        ReplayPlan plan = build(iolog(
                "100 d add",
                "110 d open",
                "120 d write 4096 8192",     // 0: sectors 8-23
                "130 d read 4096 8192",      // 1: all of request 0
                "140 d trim 8192 4096",      // 2: sectors 16-23
                "150 d read 0 16384",        // 3: sectors 0-31 across backing, write, discard, backing
                "160 d sync 0 0",            // 4
                "170 d read 524288 512",     // 5: never written
                "180 d write 2097152 4096"), // outside the 1 MiB device: skipped
                spill);

        assertEquals(6, plan.count);
        assertEquals(7, plan.traceRecords);
        assertEquals(1, plan.skippedOutside);
        assertEquals(2, plan.skippedNonIo);
        assertEquals(DEVICE / 512, plan.deviceSectors);
        assertTrue(plan.timeOrdered);
        assertEquals(8192 + 16384 + 512, plan.readBytes);
        assertEquals(8192, plan.writeBytes);
        assertEquals(4096, plan.discardBytes);
        List<TraceOp> ops = new ArrayList<>();
        for (int i = 0; i < plan.count; i++) {
            ops.add(plan.op(i));
        }
        assertEquals(List.of(TraceOp.WRITE, TraceOp.READ, TraceOp.DISCARD, TraceOp.READ, TraceOp.FLUSH, TraceOp.READ), ops);
        assertArrayEquals(new long[] {8, 8, 16, 0, 0, 1024}, longs(plan.count, plan::firstSector));
        assertArrayEquals(new long[] {16, 16, 8, 32, 0, 1}, longs(plan.count, plan::sectors));
        assertArrayEquals(new long[] {8192, 8192, 4096, 16384, 0, 512}, longs(plan.count, plan::bytes));
        assertArrayEquals(new long[] {120, 130, 140, 150, 160, 170}, longs(plan.count, plan::timeMicros));

        int b = SectorModel.BACKING;
        assertEquals(List.of(), runs(plan, 0));
        assertEquals(List.of(List.of(16, 0)), runs(plan, 1));
        assertEquals(List.of(), runs(plan, 2));
        assertEquals(List.of(List.of(8, b), List.of(8, 0), List.of(8, ~2), List.of(8, b)), runs(plan, 3));
        assertEquals(List.of(), runs(plan, 4));
        assertEquals(List.of(List.of(1, b)), runs(plan, 5));
        assertEquals(6, plan.firstRun(plan.count));
        assertEquals(7 * 32 + 6 * 8, plan.planBytes());

        assertEquals(0, plan.firstAtOrAfter(0));
        assertEquals(3, plan.firstAtOrAfter(141));
        assertEquals(3, plan.firstAtOrAfter(150));
        assertEquals(6, plan.firstAtOrAfter(171));
        assertEquals(List.of(), list(spill), "the spill files are unlinked once mapped");
    }

    /** Thousands of random requests against a model in plain arrays, with chunks small enough to cross many times. */
    @Test
    void randomTraceAcrossManyChunks() throws IOException {
        int sectors = 256;
        int n = 5000;
        SplittableRandom random = new SplittableRandom(42);
        String[] lines = new String[n];
        int[] model = new int[sectors];
        Arrays.fill(model, SectorModel.BACKING);
        List<int[]> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int first = random.nextInt(sectors);
            int len = 1 + random.nextInt(Math.min(64, sectors - first));
            int pick = random.nextInt(10);
            String action = pick < 5 ? "read" : pick < 8 ? "write" : pick < 9 ? "trim" : "sync";
            lines[i] = (1000 + i * 7L) + " d " + action + " " + (action.equals("sync") ? "0 0" : first * 512L + " " + len * 512L);
            expected.add(action.equals("read") ? Arrays.copyOfRange(model, first, first + len) : null);
            if (action.equals("write")) {
                Arrays.fill(model, first, first + len, i);
            } else if (action.equals("trim")) {
                Arrays.fill(model, first, first + len, ~i);
            }
        }
        Path trace = iolog(lines);
        ReplayPlan small = build(trace, dir, 12); // 4 KiB chunks: 128 records, 512 runs each
        ReplayPlan big = build(trace, dir, PlanFile.CHUNK_SHIFT);
        assertTrue(small.planBytes() > 40 * 4096, "many chunks: " + small.planBytes());
        for (ReplayPlan plan : List.of(small, big)) {
            assertEquals(n, plan.count);
            for (int i = 0; i < n; i++) {
                assertEquals(1000 + i * 7L, plan.timeMicros(i));
                int[] want = expected.get(i);
                if (want == null) {
                    assertEquals(plan.firstRun(i), plan.firstRun(i + 1), "request " + i + " is no read");
                    continue;
                }
                assertEquals(TraceOp.READ, plan.op(i));
                assertEquals(want.length, plan.sectors(i));
                int[] got = new int[plan.sectors(i)];
                int at = 0;
                for (long r = plan.firstRun(i); r < plan.firstRun(i + 1); r++) {
                    assertTrue(plan.runLength(r) > 0);
                    assertTrue(r == plan.firstRun(i) || plan.runSource(r) != plan.runSource(r - 1), "runs are maximal");
                    Arrays.fill(got, at, at + plan.runLength(r), plan.runSource(r));
                    at += plan.runLength(r);
                }
                assertEquals(want.length, at, "request " + i);
                assertArrayEquals(want, got, "request " + i);
            }
            assertEquals(n, plan.firstAtOrAfter(1000 + 7L * n));
            assertEquals(1000, plan.firstAtOrAfter(1000 + 1000 * 7L));
            assertEquals(1001, plan.firstAtOrAfter(1000 + 1000 * 7L + 1));
        }
        assertEquals(small.planBytes(), big.planBytes());
        assertEquals(List.of(), list(dir).stream().filter(p -> !p.getFileName().toString().endsWith(".iolog")).toList());
    }

    @Test
    void emptyTracePlansNothing() throws IOException {
        ReplayPlan plan = build(iolog("10 d add"), dir);
        assertEquals(0, plan.count);
        assertEquals(0, plan.firstRun(0));
        assertEquals(0, plan.firstAtOrAfter(5));
        assertEquals(32, plan.planBytes());
    }

    /** Root may write anywhere, but not below a regular file. */
    @Test
    void unwritableSpillDirIsOneLineNamingItAndLeavesNothing() throws IOException {
        Files.writeString(dir.resolve("file.txt"), "x");
        Path trace = iolog("10 d write 0 512");
        Path spill = dir.resolve("file.txt/sub");
        UbdException e = assertThrows(UbdException.class, () -> build(trace, spill));
        assertTrue(e.getMessage().startsWith(spill + ": cannot create the replay plan's temporary file: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(dir.resolve("file.txt"), trace), list(dir));
    }

    @Test
    void badTraceLeavesNoSpillFiles() throws IOException {
        Path spill = Files.createDirectory(dir.resolve("spill"));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            lines.add(i + " d write " + (i % 2048) * 512 + " 512");
        }
        lines.add("100000 d write twelve 512");
        Path trace = iolog(lines.toArray(String[]::new));
        assertThrows(UbdException.class, () -> build(trace, spill));
        assertEquals(List.of(), list(spill));
    }

    private Path iolog(String... lines) throws IOException {
        Path p = Files.createTempFile(dir, "t", ".iolog");
        Files.writeString(p, "fio version 3 iolog\n" + String.join("\n", lines) + "\n");
        return p;
    }

    private static ReplayPlan build(Path trace, Path spill) {
        return build(trace, spill, PlanFile.CHUNK_SHIFT);
    }

    private static ReplayPlan build(Path trace, Path spill, int chunkShift) {
        try (TraceReader reader = TraceReaders.open(trace)) {
            return ReplayPlan.build(reader, DEVICE, Long.MAX_VALUE, spill, chunkShift);
        }
    }

    /** Read {@code request}'s runs as (length, source) pairs. */
    private static List<List<Integer>> runs(ReplayPlan plan, int request) {
        List<List<Integer>> out = new ArrayList<>();
        for (long r = plan.firstRun(request); r < plan.firstRun(request + 1); r++) {
            out.add(List.of(plan.runLength(r), plan.runSource(r)));
        }
        return out;
    }

    private static long[] longs(int n, java.util.function.IntToLongFunction f) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = f.applyAsLong(i);
        }
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
