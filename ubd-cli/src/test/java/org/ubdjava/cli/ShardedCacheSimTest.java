package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * `ubd cache-sim --shard K/N`: each shard simulates its VMs' private caches alone, and the merge
 * of the shards is the whole fleet's private caches exactly, row for row and point for point.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShardedCacheSimTest {
    private static final int VMS = 8;
    private static final int SHARDS = 4;

    @TempDir
    Path dir;

    private static List<String> args(List<String> traces, String... extra) {
        List<String> a = new ArrayList<>(List.of("cache-sim", "--vms", Integer.toString(VMS), "--shift-time", "--policy", "lru,clock",
                "--size", "256KiB,1MiB,4MiB", "--json"));
        traces.forEach(t -> a.addAll(List.of("--trace", t)));
        a.addAll(List.of(extra));
        return a;
    }

    private static JsonNode ok(List<String> a) throws Exception {
        ShardRuns.Run r = ShardRuns.ubd(a);
        assertEquals(0, r.exit(), r.both());
        return Json.mapper().readTree(r.out());
    }

    /** The private rows of a report, by policy and size: accesses and hits. */
    private static Map<String, String> privateRows(JsonNode report) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode row : report.get("results")) {
            if (row.get("mode").asText().equals("private")) {
                out.put(row.get("policy").asText() + " " + row.get("size_bytes").asLong(),
                        row.get("accesses").asLong() + " " + row.get("hits").asLong() + " " + row.get("hit_ratio").asDouble());
            }
        }
        return out;
    }

    private static Map<Long, Long> privateCurve(JsonNode report) {
        Map<Long, Long> out = new HashMap<>();
        for (JsonNode c : report.get("curves")) {
            if (c.get("mode").asText().equals("private")) {
                c.get("points").forEach(p -> out.put(p.get("size_bytes").asLong(), p.get("hits").asLong()));
            }
        }
        return out;
    }

    private void shardsMergeToTheWholeFleet(List<String> traces) throws Exception {
        JsonNode whole = ok(args(traces));
        List<String> merge = new ArrayList<>(List.of("report", "merge", "--json"));
        for (int k = 0; k < SHARDS; k++) {
            Path out = dir.resolve("shard-" + k);
            JsonNode s = ok(args(traces, "--shard", k + "/" + SHARDS, "--out", out.toString()));
            assertEquals(VMS / SHARDS, s.get("stream").get("vms").asInt());
            assertTrue(s.get("results").findValues("mode").stream().allMatch(m -> m.asText().equals("private")), s.toString());
            merge.add(out.toString());
        }
        ShardRuns.Run m = ShardRuns.ubd(merge);
        assertEquals(0, m.exit(), m.both());
        JsonNode j = Json.mapper().readTree(m.out());
        assertTrue(j.get("passed").asBoolean());
        assertEquals(0, j.get("problems").size(), j.get("problems").toString());
        assertEquals(privateRows(whole), privateRows(j));
        assertEquals(VMS, j.get("results").get(0).get("vms").asInt());
        assertEquals(whole.get("stream").get("records").asLong(), j.get("stream").get("records").asLong());
        assertEquals(whole.get("stream").get("accesses").asLong(), j.get("stream").get("accesses").asLong());
        assertNull(j.get("stream").get("footprint_pages"), "no shard saw the shared stream");
        Map<Long, Long> wholeCurve = privateCurve(whole);
        Map<Long, Long> mergedCurve = privateCurve(j);
        for (long size : new long[] {256 << 10, 1 << 20, 4 << 20}) {
            assertEquals(wholeCurve.get(size), mergedCurve.get(size), "LRU's private curve at " + size);
        }
        assertEquals(SHARDS, j.get("merge").get("merged").asInt());
    }

    @Test
    void shardsOfATraceFileMergeToTheWholeFleetsPrivateCaches() throws Exception {
        ShardRuns.Inputs in = ShardRuns.Inputs.in(dir);
        shardsMergeToTheWholeFleet(List.of(in.trace().toString()));
    }

    @Test
    void shardsOfTheShippedTracesMergeToo() throws Exception {
        shardsMergeToTheWholeFleet(List.of());
    }

    @Test
    void aMissingShardAndAShardOfOtherSizesAreNamed() throws Exception {
        ShardRuns.Inputs in = ShardRuns.Inputs.in(dir);
        List<String> t = List.of(in.trace().toString());
        List<String> merge = new ArrayList<>(List.of("report", "merge", "--json"));
        for (int k = 0; k < SHARDS - 1; k++) {
            Path out = dir.resolve("shard-" + k);
            List<String> a = args(t, "--shard", k + "/" + SHARDS, "--out", out.toString());
            if (k == 1) {
                a.set(a.indexOf("--size") + 1, "1MiB");
            }
            ok(a);
            merge.add(out.toString());
        }
        ShardRuns.Run m = ShardRuns.ubd(merge);
        assertEquals(1, m.exit(), m.both());
        assertFalse(Json.mapper().readTree(m.out()).get("passed").asBoolean());
        List<String> err = m.err().lines().toList();
        assertEquals(List.of("shard 1 (" + dir.resolve("shard-1") + "): from another run: --size [1048576], the run's [262144, 1048576, 4194304]",
                "shard 1 of 4: missing: no directory given holds its result (it did not start, or failed before it was ready: see its log)",
                "shard 3 of 4: missing: no directory given holds its result (it did not start, or failed before it was ready: see its log)"),
                err);
    }

    @Test
    void aShardNeedsItsSizesAndNoSharedStream() throws Exception {
        List<String> t = List.of(ShardRuns.Inputs.in(dir).trace().toString());
        List<String> a = args(t, "--shard", "1/4");
        a.remove(a.indexOf("--size") + 1);
        a.remove("--size");
        ShardRuns.Run r = ShardRuns.ubd(a);
        assertEquals(2, r.exit(), r.both());
        assertEquals("ubd cache-sim: shard 1/4 needs --size: the default sizes come from the whole fleet's shared stream, which no shard sees",
                r.err().lines().findFirst().orElse(""));
        ShardRuns.Run s = ShardRuns.ubd(args(t, "--sample", "0.1", "--shard", "1/4"));
        assertEquals(2, s.exit(), s.both());
        assertEquals("ubd cache-sim: --sample is of the shared stream, which a shard (1/4) does not simulate",
                s.err().lines().findFirst().orElse(""));
        ShardRuns.Run k8s = ShardRuns.ubd(Map.of("JOB_COMPLETION_INDEX", "1"), args(t));
        assertEquals(2, k8s.exit(), k8s.both());
        assertTrue(k8s.err().startsWith("ubd cache-sim: JOB_COMPLETION_INDEX=1 gives this shard's index but not how many"), k8s.err());
    }
}
