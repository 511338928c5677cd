package org.ubdjava.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.DemoImage;
import org.ubdjava.harness.cachesim.ShippedTraces;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;
import org.ubdjava.realtools.Processes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The cases of {@code ubd bench --replay} beyond its table: readers beside syncing writers, and a fresh JVM's short replay. */
class ReplayCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Optional<Path> fio() {
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            System.err.println("*** FIO INTEROP TEST SKIPPED in ReplayCasesTest: fio is not installed (apt-get install -y fio)");
        }
        return fio;
    }

    /** Each record of a trace, as the replay reads it. */
    private static List<TraceRecord> records(Path trace) {
        List<TraceRecord> out = new ArrayList<>();
        try (TraceReader r = TraceReaders.open(trace)) {
            TraceRecord.Mutable m = new TraceRecord.Mutable();
            while (r.next(m)) {
                out.add(m.freeze());
            }
            assertEquals(TraceFormat.FIO_IOLOG, r.format());
        }
        return out;
    }

    @Test
    void theWritersTraceWrites64KibWithASyncAfterEvery16WritesAsFioWritesIt() throws Exception {
        Path trace = ShippedTraces.extract(ReplayBench.MIX_WRITE_TRACE, dir);
        List<String> lines = Files.readAllLines(trace);
        assertEquals("fio version 2 iolog", lines.get(0));
        assertEquals(128, lines.stream().filter(l -> l.equals("ubda sync 0 0")).count(), "fio's own form of a sync line");
        List<TraceRecord> rs = records(trace);
        assertEquals(2048 + 128, rs.size());
        int writesSinceSync = 0;
        for (TraceRecord r : rs) {
            if (r.op() == TraceOp.FLUSH) {
                assertEquals(16, writesSinceSync);
                writesSinceSync = 0;
            } else {
                assertEquals(TraceOp.WRITE, r.op());
                assertEquals(65536, r.length());
                assertEquals(0, r.offset() % 65536);
                assertTrue(r.offset() + r.length() <= ReplayBench.IMAGE_BYTES, "inside the shipped traces' 64 MiB device");
                writesSinceSync++;
            }
        }
        assertEquals(0, writesSinceSync, "the last writes are synced too");
    }

    /** fio takes every line of it: all 2048 writes and all 128 syncs (a bare `sync` it would drop as a file action). */
    @Test
    void fioReplaysEveryWriteAndSyncOfTheWritersTrace() throws Exception {
        Optional<Path> fio = fio();
        Assumptions.assumeTrue(fio.isPresent(), "fio missing");
        Path trace = ShippedTraces.extract(ReplayBench.MIX_WRITE_TRACE, dir);
        Path target = dir.resolve("disk.img");
        DemoImage.create(target, ReplayBench.IMAGE_BYTES, 1, 7);
        Processes.Result r = Processes.run(dir, List.of(fio.get().toString(), "--name=w", "--read_iolog=" + trace,
                "--replay_redirect=" + target, "--replay_no_stall=1", "--ioengine=psync", "--output-format=json"), 300);
        assertEquals(0, r.exit(), r.both());
        assertFalse(r.both().contains("bad iolog"), r.both());
        JsonNode job = JSON.readTree(r.out().substring(r.out().indexOf('{'))).path("jobs").path(0);
        assertEquals(2048, job.path("write").path("total_ios").asInt(), r.out());
        assertEquals(128, job.path("sync").path("total_ios").asInt(), r.out());
    }

    @Test
    void theShortReadTraceIs16KiRandom4KibReadsOfTheDeviceTheSameEachTime() throws Exception {
        Path a = ReplayBench.writeShortReadTrace(dir.resolve("a.iolog"));
        Path b = ReplayBench.writeShortReadTrace(dir.resolve("b.iolog"));
        assertEquals(-1, Files.mismatch(a, b));
        assertEquals("fio version 2 iolog", Files.readAllLines(a).get(0));
        List<TraceRecord> rs = records(a);
        assertEquals(16_384, rs.size());
        long distinct = rs.stream().mapToLong(TraceRecord::offset).distinct().count();
        // 16,384 uniform draws of 16,384 blocks touch about 1 - 1/e of them (10,357)
        assertTrue(distinct > 10_000 && distinct < 10_700, "uniform over the device, with repeats: " + distinct + " distinct blocks");
        for (TraceRecord r : rs) {
            assertEquals(TraceOp.READ, r.op());
            assertEquals(4096, r.length());
            assertEquals(0, r.offset() % 4096);
            assertTrue(r.offset() + 4096 <= ReplayBench.IMAGE_BYTES);
        }
    }

    /**
     * fio 3.33's JSON, one entry per job, for four jobs: vm0 and vm2 replayed randread-4k.iolog,
     * vm1 and vm3 the writers' trace (recorded here). Per trace: its jobs' reads, writes and syncs
     * over the longest of their runtimes.
     */
    @Test
    void fioPerJobJsonIsSplitByTheTraceEachJobReplayed() throws Exception {
        String json;
        try (InputStream in = ReplayCasesTest.class.getResourceAsStream("/fio/replay-mix-4-jobs.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<ReplayBench.TraceSide> sides = ReplayBench.fioPerTrace("fio-3.33\n" + json, 2);
        assertEquals(2, sides.size());
        JsonNode jobs = JSON.readTree(json).path("jobs");
        assertEquals(2 * 40_000, sides.get(0).requests());
        assertEquals(Math.max(jobs.path(0).path("job_runtime").asDouble(), jobs.path(2).path("job_runtime").asDouble()) / 1000,
                sides.get(0).seconds(), 1e-9);
        assertEquals(2 * (2048 + 128), sides.get(1).requests(), "writes and syncs");
        assertEquals(Math.max(jobs.path(1).path("job_runtime").asDouble(), jobs.path(3).path("job_runtime").asDouble()) / 1000,
                sides.get(1).seconds(), 1e-9);
        UbdException none = assertThrows(UbdException.class, () -> ReplayBench.fioPerTrace("fio: no such file\n", 2));
        assertEquals("fio printed no JSON result: fio: no such file", none.getMessage());
        assertThrows(UbdException.class, () -> ReplayBench.fioPerTrace(json, 5), "a trace no job replayed");
    }

    @Test
    void keptIsTheReadersMixedOverAloneInTheSameRoundAndTheMedianRoundsIsReported() {
        ReplayCases.MixRound r1 = new ReplayCases.MixRound(1000, 600, 50, 1.0, 2.0, true);
        ReplayCases.MixRound r2 = new ReplayCases.MixRound(2000, 400, 50, 1.0, 2.0, true);
        ReplayCases.MixRound r3 = new ReplayCases.MixRound(500, 400, 50, 1.5, 1.0, true);
        ReplayCases.Mix ours = new ReplayCases.Mix(ReplayBenchReport.System.UBD_REPLAY, "r", "w", 8, 8, List.of(r1, r2, r3));
        ReplayCases.Mix theirs = new ReplayCases.Mix(ReplayBenchReport.System.FIO_REPLAY, "r", "w", 8, 8, List.of(r2));
        assertEquals(0.6, ours.kept(), 1e-9, "rounds kept 0.6, 0.2, 0.8: the median");
        assertEquals(0.2, theirs.kept(), 1e-9);
        ReplayCases.FreshRound f1 = new ReplayCases.FreshRound(300_000, 0.7, 1.5, 900_000, 50_000, 10_000, true);
        ReplayCases.FreshRound f2 = new ReplayCases.FreshRound(100_000, 0.7, 1.5, 800_000, 50_000, 10_000, true);
        ReplayCases.FreshJvm fresh = new ReplayCases.FreshJvm("s", 16_384, List.of(f1, f2));
        assertEquals(10, fresh.freshOverUml(), 1e-9, "the lower middle of two rounds");
        assertEquals(80, fresh.warmOverUml(), 1e-9);
        ReplayCases.FreshJvm noUml = new ReplayCases.FreshJvm("s", 16_384,
                List.of(new ReplayCases.FreshRound(1, 0, 1, 1, 1, Double.NaN, true)));
        assertTrue(Double.isNaN(noUml.freshOverUml()));

        ReplayBenchReport report = new ReplayBenchReport(List.of(), new ReplayCases(List.of(ours, theirs), List.of(fresh)));
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table));
        String t = table.toString();
        assertTrue(t.contains("readers beside syncing writers: 8 VMs of r beside 8 VMs of w in one replay"), t);
        assertTrue(t.contains("ubd replay             1000           600    0.60x             50  passed  0.60 0.20 0.80\n"), t);
        assertTrue(t.contains("fio replay             2000           400    0.20x             50  none    0.20\n"), t);
        assertTrue(t.contains("ubd replay: in a round the writers finished first (1.00 s against the readers' 1.50 s)"), t);
        assertTrue(t.contains("issue 23 asks >= 0.5x of ours: met"), t);
        assertTrue(t.contains("    100000     800000      50000        10000      10.0x      80.0x  passed  30.00 10.00\n"), t);
        assertTrue(t.contains("issue 23 asks >= 20x of the real UML driver: NOT met"), t);

        String json = Json.write(report);
        assertTrue(json.contains("\"kept\" : 0.6"), json);
        assertTrue(json.contains("\"writers_outlast_readers\" : false"), json);
        assertTrue(json.contains("\"readers_alone_iops\" : 1000.0"), json);
        assertTrue(json.contains("\"fresh_over_uml\" : 10.0"), json);
        assertTrue(json.contains("\"warm_over_uml\" : 80.0"), json);
        assertTrue(json.contains("\"system\" : \"fio_replay\""), json);
    }

    /** The fresh process's figures are those of the replay's own JSON; a failed start says why. */
    @Test
    void aFreshReplaysFiguresAreItsJsonsAndAFailureSaysWhy() throws Exception {
        Path trace = ReplayBench.writeShortReadTrace(dir.resolve("s.iolog"));
        Path backing = dir.resolve("base.img");
        DemoImage.create(backing, ReplayBench.IMAGE_BYTES, 1, 7);
        Files.createDirectories(dir.resolve("cow"));
        ReplayResult real = Replay.run(ReplayOptions.builder(List.of(() -> TraceReaders.open(trace)),
                "ubd0=" + dir.resolve("cow/vm.cow") + "," + backing).vms(1).build(), 50);
        ReplayBench.FreshRun run = ReplayBench.freshRun(new Processes.Result(0, Json.write(real) + "\n", "", false), 1.25);
        assertEquals(real.ioIops(), run.ioIops(), 0);
        assertTrue(run.warmUpS() > 0, "the replay's own warm-up, outside its clock");
        assertEquals(1.25, run.wallS(), 0);
        assertTrue(run.passed());

        UbdException e = assertThrows(UbdException.class, () -> ReplayBench.freshRun(
                new Processes.Result(1, "", "Error: Unable to access jarfile /x/ubd.jar\n", false), 0.1));
        assertEquals("ubd replay in a fresh JVM failed (exit 1): Error: Unable to access jarfile /x/ubd.jar", e.getMessage());
        assertThrows(UbdException.class, () -> ReplayBench.freshRun(new Processes.Result(0, "{\"verdict\":\"passed\"}", "", false), 0.1));
    }

    /**
     * The mix for real, smaller (2 readers beside 2 writers, one round): ours every read checked,
     * fio's beside it where installed, each a ratio of the same round.
     */
    @Test
    void theMixRunsOursAndFiosReadersAloneAndBesideTheWriters() throws Exception {
        Optional<Path> fio = fio();
        Path reader = ShippedTraces.extract(ReplayBench.MIX_READ_TRACE, dir);
        Path writer = ShippedTraces.extract(ReplayBench.MIX_WRITE_TRACE, dir);
        Path backing = dir.resolve("backing.img");
        DemoImage.create(backing, ReplayBench.IMAGE_BYTES, 1, 7);
        StringWriter err = new StringWriter();
        List<ReplayCases.Mix> mix = new ReplayBench(dir.resolve("bench"), new PrintWriter(err), 1).mix(reader, writer, backing, fio, 2);
        assertTrue(err.toString().startsWith("replay bench: readers beside syncing writers, 2 + 2 VMs, 1 round(s)"), err.toString());
        assertEquals(fio.isPresent() ? 2 : 1, mix.size());
        for (ReplayCases.Mix m : mix) {
            assertEquals("randread-4k.iolog", m.readTrace());
            assertEquals("syncwrite-64k.iolog", m.writeTrace());
            assertEquals(2, m.readerVms());
            assertEquals(1, m.rounds().size());
            ReplayCases.MixRound r = m.rounds().get(0);
            assertTrue(r.readersAloneIops() > 0 && r.readersMixedIops() > 0 && r.writersMixedIops() > 0, r.toString());
            assertTrue(r.readersMixedSeconds() > 0 && r.writersMixedSeconds() > 0, r.toString());
            assertTrue(m.verified(), m.toString());
        }
        assertEquals(ReplayBenchReport.System.UBD_REPLAY, mix.get(0).system());
        if (fio.isPresent()) {
            assertEquals(ReplayBenchReport.System.FIO_REPLAY, mix.get(1).system());
        }
        assertFalse(Files.exists(dir.resolve("bench/cow")), "our COW files are removed");
        assertFalse(Files.exists(dir.resolve("bench/fio")), "fio's copies are removed");
    }

    /** The fresh-JVM case through this checkout's launcher, as a user runs it (the jar built by the package phase). */
    @Test
    void theFreshJvmCaseStartsUbdReplayAsItsOwnProcess() throws Exception {
        Path root = Path.of(System.getProperty("ubd.repo.root", "..")).toAbsolutePath();
        Path jar = root.resolve("ubd-cli/target/ubd.jar");
        if (!Files.exists(jar)) {
            System.err.println("*** FRESH JVM TEST SKIPPED in ReplayCasesTest: " + jar + " not built (mvn -pl ubd-cli -am package)");
        }
        Assumptions.assumeTrue(Files.exists(jar), "no jar");
        Path trace = ReplayBench.writeShortReadTrace(dir.resolve("s.iolog"));
        Path backing = dir.resolve("backing.img");
        DemoImage.create(backing, ReplayBench.IMAGE_BYTES, 1, 7);
        StringWriter err = new StringWriter();
        Optional<Path> fio = fio();
        List<ReplayCases.FreshJvm> fresh = new ReplayBench(dir.resolve("bench"), new PrintWriter(err), 1,
                List.of(root.resolve("bin/ubd").toString())).freshJvm(trace, backing, fio, Optional.empty());
        assertEquals(1, fresh.size(), err.toString());
        ReplayCases.FreshRound r = fresh.get(0).rounds().get(0);
        assertTrue(r.freshIops() > 0 && r.warmIops() > 0, r.toString());
        assertTrue(r.freshWallS() > r.freshWarmUpS() && r.freshWarmUpS() > 0, "the process's warm-up is inside its wall time: " + r);
        assertEquals(fio.isPresent(), r.fioIops() > 0, r.toString());
        assertTrue(Double.isNaN(r.umlIops()), "no kernel given");
        assertTrue(r.verified());
        assertEquals(16_384, fresh.get(0).requests());

        StringWriter skipped = new StringWriter();
        assertEquals(List.of(), new ReplayBench(dir.resolve("bench"), new PrintWriter(skipped), 1)
                .freshJvm(trace, backing, fio, Optional.empty()));
        assertTrue(skipped.toString().startsWith("*** fresh JVM case skipped: no launcher"), skipped.toString());
    }
}
