package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.cli.ShardRuns.DEMO_REQUESTS;
import static org.ubdjava.cli.ShardRuns.SHARDS;
import static org.ubdjava.cli.ShardRuns.VMS;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.shard.ShardFiles;
import org.ubdjava.harness.shard.ShardRecord;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A 16-VM replay of the demo trace run whole, then as 4 shards by hand (one after the other, each
 * waiting for one common start), merged: the merge has the whole run's requests, reads verified
 * and per-trace figures, passes with no mismatch, and every VM's COW file is the whole run's byte
 * for byte.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShardedReplayTest {
    @TempDir
    static Path dir;

    private static JsonNode whole;
    private static final List<Path> OUTS = new ArrayList<>();
    private static long startAt;

    @BeforeAll
    static void runWholeThenFourShards() throws Exception {
        ShardRuns.Inputs in = ShardRuns.Inputs.in(dir);
        ShardRuns.Run w = ShardRuns.ubd(in.replay(dir.resolve("whole")));
        assertEquals(0, w.exit(), w.both());
        whole = Json.mapper().readTree(w.out());
        // one common start, a little ahead: shard 0 waits for it, the later ones (run after it here) are late
        startAt = System.currentTimeMillis() + 1500;
        for (int k = 0; k < SHARDS; k++) {
            Path out = dir.resolve("out/shard-" + k);
            ShardRuns.Run s = ShardRuns.ubd(in.replay(dir.resolve("sharded"), "--shard", k + "/" + SHARDS, "--start-at",
                    Long.toString(startAt), "--out", out.toString()));
            assertEquals(0, s.exit(), s.both());
            OUTS.add(out);
        }
    }

    private static ShardRuns.Run merge(List<Path> dirs) {
        List<String> a = new ArrayList<>(List.of("report", "merge", "--json"));
        dirs.forEach(d -> a.add(d.toString()));
        return ShardRuns.ubd(a);
    }

    @Test
    void everyVmsCowFileIsTheWholeRunsByteForByte() throws Exception {
        for (int vm = 0; vm < VMS; vm++) {
            Path a = Replay.cowPath(dir.resolve("whole/vm.cow"), vm);
            Path b = Replay.cowPath(dir.resolve("sharded/vm.cow"), vm);
            assertTrue(Files.size(a) > 0, a.toString());
            assertEquals(-1, Files.mismatch(a, b), "vm " + vm + ": " + a + " and " + b + " differ");
        }
    }

    @Test
    void eachShardReplaysItsVmsAndRecordsItsRun() throws Exception {
        for (int k = 0; k < SHARDS; k++) {
            JsonNode r = Json.mapper().readTree(OUTS.get(k).resolve("report.json").toFile());
            assertEquals("passed", r.get("verdict").asText(), r.toString());
            assertEquals(VMS / SHARDS, r.get("vms").asInt());
            assertEquals((long) DEMO_REQUESTS * VMS / SHARDS, r.get("requests").asLong());
            JsonNode s = r.get("shard");
            assertEquals(k, s.get("index").asInt());
            assertEquals(SHARDS, s.get("count").asInt());
            assertEquals(startAt, s.get("start_at_epoch_ms").asLong());
            assertTrue(s.get("io").get("start_epoch_ms").asLong() >= startAt, s.toString());
            ShardRecord rec = ShardFiles.readRecord(OUTS.get(k));
            assertEquals(k, rec.shard());
            assertTrue(rec.finished());
            assertEquals(List.of(k, k + 4, k + 8, k + 12), rec.vms().stream().map(ShardRecord.VmFigures::vm).toList());
            assertEquals(SHARDS, rec.run().shards());
            assertEquals(VMS, rec.run().vms());
            assertEquals(whole.get("backing_sha256").asText(), rec.run().backing().sha256());
            assertEquals(64, rec.run().traces().get(0).sha256().length());
            assertTrue(Files.size(OUTS.get(k).resolve(ShardFiles.LATENCY_LOG)) > 0);
        }
        // shard 0 was ready before the start and waited; the others came after it had passed
        JsonNode first = Json.mapper().readTree(OUTS.get(0).resolve("report.json").toFile()).get("shard");
        assertEquals(0, first.get("late_ms").asLong(), first.toString());
        JsonNode last = Json.mapper().readTree(OUTS.get(SHARDS - 1).resolve("report.json").toFile()).get("shard");
        assertTrue(last.get("late_ms").asLong() > 0, last.toString());
    }

    @Test
    void theMergeIsTheWholeRun() throws Exception {
        ShardRuns.Run m = merge(OUTS);
        assertEquals(0, m.exit(), m.both());
        assertEquals("", m.err());
        JsonNode j = Json.mapper().readTree(m.out());
        assertEquals("passed", j.get("verdict").asText());
        assertTrue(j.get("passed").asBoolean());
        for (String key : List.of("vms", "requests", "reads_verified", "mismatches", "errors")) {
            assertEquals(whole.get(key).asLong(), j.get(key).asLong(), key);
        }
        assertEquals(VMS, j.get("vms").asInt());
        assertEquals((long) DEMO_REQUESTS * VMS, j.get("requests").asLong());
        assertEquals(0, j.get("mismatches").asLong());
        assertTrue(j.get("backing_unchanged").asBoolean() && j.get("bitmaps_exact").asBoolean());
        // each shard merge-checked two of its VMs
        assertEquals(2 * SHARDS, j.get("merge_checked").asInt());
        assertEquals(2 * SHARDS, j.get("merge_ok").asInt());
        JsonNode per = j.get("per_trace");
        assertEquals(1, per.size());
        assertEquals(whole.get("per_trace").get(0).get("trace").asText(), per.get(0).get("trace").asText());
        assertEquals(whole.get("per_trace").get(0).get("vms").asInt(), per.get(0).get("vms").asInt());
        assertEquals(whole.get("per_trace").get(0).get("requests").asLong(), per.get(0).get("requests").asLong());
        // what depends only on the traces and the fleet is the whole run's
        for (String key : List.of("trace", "model", "skipped", "clipped", "not_replayed", "backing_sha256")) {
            assertEquals(whole.get(key), j.get(key), key);
        }
        assertEquals(whole.get("disk_usage").get("bytes_written_per_vm"), j.get("disk_usage").get("bytes_written_per_vm"));
        assertEquals(whole.get("disk_usage").get("distinct_bytes_per_vm"), j.get("disk_usage").get("distinct_bytes_per_vm"));
        assertNull(j.get("shard"), "the merged run is no shard");

        JsonNode merge = j.get("merge");
        assertEquals(SHARDS, merge.get("shards").asInt());
        assertEquals(SHARDS, merge.get("merged").asInt());
        assertEquals(SHARDS, merge.get("shard_results").size());
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        long end = Long.MIN_VALUE;
        for (Path out : OUTS) {
            JsonNode io = Json.mapper().readTree(out.resolve("report.json").toFile()).get("shard").get("io");
            lo = Math.min(lo, io.get("start_epoch_ms").asLong());
            hi = Math.max(hi, io.get("start_epoch_ms").asLong());
            end = Math.max(end, io.get("end_epoch_ms").asLong());
        }
        assertEquals(hi - lo, merge.get("skew_ms").asLong(), "the skew is the spread of the shards' I/O starts");
        assertEquals((end - lo) / 1000.0, j.get("io_s").asDouble(), 0.0015, "io_s spans the union of the shards' windows");
    }

    /** The merged percentiles are those of one histogram holding every request of every shard. */
    @Test
    void mergedPercentilesAreThoseOfEverySampleInOneHistogram() throws Exception {
        Histogram all = null;
        for (Path out : OUTS) {
            Histogram h = ShardFiles.readLatency(out, 1).all();
            if (all == null) {
                all = h.copy();
            } else {
                all.add(h);
            }
        }
        assertEquals((long) DEMO_REQUESTS * VMS, all.getTotalCount());
        JsonNode j = Json.mapper().readTree(merge(OUTS).out());
        assertEquals(Json.mapper().valueToTree(ReplayResult.latencyOf(all)), j.get("latency_us"));
        assertEquals(j.get("latency_us"), j.get("per_trace").get(0).get("latency_us"), "one trace: its latencies are the run's");
    }

    @Test
    void theTextSummaryNamesEachShard() {
        List<String> a = new ArrayList<>(List.of("report", "merge"));
        OUTS.forEach(d -> a.add(d.toString()));
        ShardRuns.Run m = ShardRuns.ubd(a);
        assertEquals(0, m.exit(), m.both());
        List<String> lines = m.out().lines().toList();
        assertTrue(lines.get(0).startsWith("merge of 4 of 4 shards: PASSED, their I/O started within "), lines.get(0));
        for (int k = 0; k < SHARDS; k++) {
            String prefix = "  shard " + k + " on ";
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(": passed, 4 VMs, " + DEMO_REQUESTS * 4L + " requests")),
                    m.out());
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("replay PASSED: 16 VMs, " + DEMO_REQUESTS * 16L + " requests")), m.out());
        assertFalse(m.out().contains("FAILED"));
    }
}
