package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.cli.ShardRuns.SHARDS;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.HdrHistogram.Histogram;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.shard.ShardFiles;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The merge of a run whose shards did not all do their part: a shard missing, duplicated, killed,
 * failing a check, or from another run (another seed, trace or backing file). Each exits 1, names
 * the shard on stderr, and the merged report does not say passed.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReportMergeProblemsTest {
    @TempDir
    static Path dir;

    private static ShardRuns.Inputs in;
    private static final List<Path> GOOD = new ArrayList<>();

    @BeforeAll
    static void runFourGoodShards() throws Exception {
        in = ShardRuns.Inputs.in(dir);
        for (int k = 0; k < SHARDS; k++) {
            GOOD.add(shard(k, "shard-" + k));
        }
    }

    /** Shard {@code k} of the run into {@code out/NAME}, with {@code extra} options; it must exit as given. */
    private static Path shard(int k, String name, int exit, String... extra) throws Exception {
        Path out = dir.resolve("out").resolve(name);
        List<String> opts = new ArrayList<>(List.of("--shard", k + "/" + SHARDS, "--merge-check", "0", "--force", "--out", out.toString()));
        opts.addAll(List.of(extra));
        ShardRuns.Run r = ShardRuns.ubd(in.replay(dir.resolve("run"), opts.toArray(String[]::new)));
        assertEquals(exit, r.exit(), r.both());
        return out;
    }

    private static Path shard(int k, String name) throws Exception {
        return shard(k, name, 0);
    }

    /** The good shards with shard {@code k}'s directory replaced by {@code other} (null: left out). */
    private static List<Path> with(int k, Path other) {
        List<Path> dirs = new ArrayList<>(GOOD);
        if (other == null) {
            dirs.remove(k);
        } else {
            dirs.set(k, other);
        }
        return dirs;
    }

    /** Merges {@code dirs}: exit 1, a JSON report that is not passed, and the stderr lines. */
    private static List<String> failedMerge(List<Path> dirs) throws Exception {
        List<String> a = new ArrayList<>(List.of("report", "merge", "--json"));
        dirs.forEach(d -> a.add(d.toString()));
        ShardRuns.Run m = ShardRuns.ubd(a);
        assertEquals(1, m.exit(), m.both());
        JsonNode j = Json.mapper().readTree(m.out());
        assertEquals("failed", j.get("verdict").asText(), m.out());
        assertFalse(j.get("passed").asBoolean());
        assertFalse(m.out().contains("\"passed\" : true"), "no shard's own verdict makes the merge pass");
        List<String> err = m.err().lines().toList();
        List<String> problems = new ArrayList<>();
        j.get("problems").forEach(p -> problems.add(p.asText()));
        long more = j.get("problems_not_printed").asLong();
        if (more > 0) {
            problems.add("... and " + more + " more problems the shards found (see their reports)");
        }
        assertEquals(problems, err, "stderr has every problem kept, one line each");
        return more > 0 ? err.subList(0, err.size() - 1) : err;
    }

    private static void assertNamed(List<String> err, String start) {
        assertTrue(err.stream().anyMatch(l -> l.startsWith(start)), "no line starting " + start + " in\n" + String.join("\n", err));
    }

    @Test
    void theGoodShardsPass() throws Exception {
        List<String> a = new ArrayList<>(List.of("report", "merge", "--json"));
        GOOD.forEach(d -> a.add(d.toString()));
        ShardRuns.Run m = ShardRuns.ubd(a);
        assertEquals(0, m.exit(), m.both());
    }

    @Test
    void aMissingShardIsFoundFromTheCountTheOthersRecorded() throws Exception {
        List<String> err = failedMerge(with(2, null));
        assertEquals(List.of("shard 2 of 4: missing: no directory given holds its result (it did not start, or failed before it "
                + "was ready: see its log)"), err);
    }

    @Test
    void aDuplicatedShardIsNamedWithBothDirectories() throws Exception {
        Path copy = dir.resolve("out/copy-of-1");
        copyDir(GOOD.get(1), copy);
        List<Path> dirs = new ArrayList<>(GOOD);
        dirs.add(copy);
        List<String> err = failedMerge(dirs);
        assertEquals(List.of("shard 1 of 4: duplicated: " + GOOD.get(1) + ", " + copy + " all hold it (only the first is in the figures)"), err);
    }

    @Test
    void aShardFailingACheckIsNamedWithItsVmsProblems() throws Exception {
        Path bad = shard(3, "dropping-3", 1, "--inject", "drop-writes:50");
        List<String> err = failedMerge(with(3, bad));
        assertTrue(err.get(0).startsWith("shard 3 (" + bad + "): failed: ") && err.get(0).endsWith("; its problems follow"), err.get(0));
        assertTrue(err.size() > 1, err.toString());
        for (String line : err.subList(1, err.size())) {
            assertTrue(line.startsWith("shard 3: ") && line.matches(".*\\bvm (3|7|11|15)\\b.*"), line);
        }
    }

    /** A shard that stopped before its replay (its VMs' COW files were there from an earlier run): failed, with why. */
    @Test
    void aShardThatStoppedWithAnErrorIsNamedFailedWithIt() throws Exception {
        Path out = dir.resolve("out/refused-2");
        ShardRuns.Run r = ShardRuns.ubd(in.replay(dir.resolve("run"), "--shard", "2/" + SHARDS, "--out", out.toString()));
        assertEquals(1, r.exit(), r.both());
        List<String> err = failedMerge(with(2, out));
        assertEquals(1, err.size(), err.toString());
        assertTrue(err.get(0).startsWith("shard 2 (" + out + "): failed: ") && err.get(0).contains("vm-2.cow: exists from an earlier run"),
                err.get(0));
    }

    /** Killed with SIGKILL while it waited for the common start: its record says it was ready, nothing more. */
    @Test
    void aKilledShardIsNamedUnfinished() throws Exception {
        Path out = dir.resolve("out/killed-1");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens")
                || a.startsWith("-Xmx")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), UbdMain.class.getName()));
        cmd.addAll(in.replay(dir.resolve("run"), "--shard", "1/" + SHARDS, "--force", "--out", out.toString(),
                "--start-at", Long.toString(System.currentTimeMillis() + 600_000)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(out.resolve(ShardFiles.RECORD)) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(p.isAlive() && Files.exists(out.resolve(ShardFiles.RECORD)), Files.readString(dir.resolve("killed.log")));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        List<String> err = failedMerge(with(1, out));
        assertEquals(1, err.size(), err.toString());
        assertTrue(err.get(0).startsWith("shard 1 (" + out + "): did not finish: no result (killed, crashed, or still running; ready on "),
                err.get(0));
    }

    @Test
    void aShardOfAnotherSeedIsFromAnotherRun() throws Exception {
        Path other = shard(0, "seed-2-0", 0, "--seed", "2");
        List<String> err = failedMerge(with(0, other));
        assertEquals(List.of("shard 0 (" + other + "): from another run: --seed 2, the run's 1",
                "shard 0 of 4: missing: no directory given holds its result (it did not start, or failed before it was ready: see its log)"),
                err);
    }

    @Test
    void aShardOfAnotherTraceIsFromAnotherRun() throws Exception {
        // the same path, other content: the merge compares traces by their bytes
        Path trace = in.trace();
        byte[] demo = Files.readAllBytes(trace);
        Path other;
        try {
            Files.writeString(trace, Files.readString(trace).replaceFirst(" write 3317760 4096", " write 3321856 4096"));
            other = shard(1, "other-trace-1");
        } finally {
            Files.write(trace, demo);
        }
        List<String> err = failedMerge(with(1, other));
        assertTrue(err.get(0).matches("shard 1 \\(" + java.util.regex.Pattern.quote(other.toString()) + "\\): from another run: trace 1 "
                + java.util.regex.Pattern.quote(trace.toString()) + " \\(\\d+ bytes, sha256 [0-9a-f]{12}\\.\\.\\.\\) is not the run's .*"), err.get(0));
        assertEquals(2, err.size(), err.toString());
    }

    /** A backing file of other content (at the same path, same size): the fingerprints differ and the merge refuses the shard. */
    @Test
    void aShardThatSawAnotherBackingFileIsFromAnotherRun() throws Exception {
        Path other;
        byte[] was = new byte[1];
        try (FileChannel ch = FileChannel.open(in.backing(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.read(ByteBuffer.wrap(was), 0);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~was[0]}), 0);
        }
        try {
            other = shard(2, "other-backing-2");
        } finally {
            try (FileChannel ch = FileChannel.open(in.backing(), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(was), 0);
            }
        }
        List<String> err = failedMerge(with(2, other));
        assertTrue(err.get(0).matches("shard 2 \\(.*\\): from another run: its backing file \\(67108864 bytes, sha256 [0-9a-f]{12}\\.\\.\\.\\) "
                + "is not the run's \\(67108864 bytes, sha256 [0-9a-f]{12}\\.\\.\\.\\)"), err.get(0));
    }

    @Test
    void aDirectoryThatIsNoShardsResultIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("out/empty"));
        List<Path> dirs = new ArrayList<>(GOOD);
        dirs.add(empty);
        List<String> err = failedMerge(dirs);
        assertEquals(1, err.size(), err.toString());
        assertTrue(err.get(0).startsWith(empty + ": not a shard's result: no shard.json"), err.get(0));
    }

    /** A record that is not JSON, with a line break and an escape sequence in it: one line naming it, nothing of the file's controls. */
    @Test
    void anUnreadableRecordIsNamedOnOneLine() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("out/garbage"));
        Files.writeString(bad.resolve(ShardFiles.RECORD), "{\"format\": 1,\n\u001b[2J\u001b[31mubd: FORGED");
        List<Path> dirs = new ArrayList<>(GOOD);
        dirs.add(bad);
        List<String> err = failedMerge(dirs);
        assertEquals(1, err.size(), err.toString());
        assertTrue(err.get(0).startsWith(bad + ": shard.json unreadable: "), err.get(0));
        assertFalse(err.get(0).chars().anyMatch(c -> c == 0x1b), err.get(0));
    }

    /**
     * Percentiles are never averaged: with the shards' latency logs holding known samples, the
     * merged percentiles are those of one histogram of all of them, which averaging the shards'
     * percentiles would miss.
     */
    @Test
    void mergedPercentilesAreThoseOfOneHistogramOfKnownSamples() throws Exception {
        long[][] samplesMicros = {{10, 1000}, {20, 1000}, {5000, 30}, {40, 970}};
        Histogram one = new Histogram(3_600_000_000_000L, 3);
        List<Path> dirs = new ArrayList<>();
        double[] p99s = new double[SHARDS];
        for (int k = 0; k < SHARDS; k++) {
            Path copy = dir.resolve("out/known-" + k);
            copyDir(GOOD.get(k), copy);
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            h.recordValueWithCount(samplesMicros[k][0] * 1000, samplesMicros[k][1]);
            one.recordValueWithCount(samplesMicros[k][0] * 1000, samplesMicros[k][1]);
            p99s[k] = h.getValueAtPercentile(99) / 1000.0;
            ShardFiles.writeLatency(copy, "known samples", h, new Histogram[] {h}, 0, 1000);
            dirs.add(copy);
        }
        List<String> a = new ArrayList<>(List.of("report", "merge", "--json"));
        dirs.forEach(d -> a.add(d.toString()));
        ShardRuns.Run m = ShardRuns.ubd(a);
        assertEquals(0, m.exit(), m.both());
        JsonNode j = Json.mapper().readTree(m.out());
        JsonNode expected = Json.mapper().valueToTree(ReplayResult.latencyOf(one));
        assertEquals(expected, j.get("latency_us"));
        assertEquals(expected, j.get("per_trace").get(0).get("latency_us"));
        // 3000 samples: the 30 of 5 ms are the top 1%, so p99 is the 40 us of shard 3 and p99.9 is 5 ms
        assertEquals(40.0, j.get("latency_us").get("p99").asDouble(), 0.05);
        assertEquals(5000.0, j.get("latency_us").get("p999").asDouble(), 5.0);
        double averaged = (p99s[0] + p99s[1] + p99s[2] + p99s[3]) / SHARDS;
        assertTrue(Math.abs(averaged - j.get("latency_us").get("p99").asDouble()) > 1000, "averaging would give " + averaged);
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
