package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.shard.ShardFiles;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which shard `ubd replay` is: --shard K/N, else the scheduler's variables (Slurm's array task,
 * Kubernetes' completion index with --shards). What cannot be is refused before any file is
 * touched, exit 2, with a first line naming the option or variable.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShardOptionsTest {
    @TempDir
    Path dir;

    private List<String> replay(String... extra) throws Exception {
        return ShardRuns.Inputs.in(dir).replay(dir.resolve("run"), extra);
    }

    /** Exit 2, nothing made, and the first line of stderr. */
    private String refused(Map<String, String> env, String... extra) throws Exception {
        ShardRuns.Run r = ShardRuns.ubd(env, replay(extra));
        assertEquals(2, r.exit(), r.both());
        assertTrue(r.err().contains("Usage: ubd replay"), r.err());
        try (var files = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), files.toList(), "a refused command line makes no file");
        }
        return r.err().lines().findFirst().orElse("");
    }

    @Test
    void impossibleShardsAreRefusedNamingTheirSource() throws Exception {
        assertEquals("ubd replay: Invalid value for option '--shard': '4/4': K must be below N (shards are numbered from 0 to 3)",
                refused(Map.of(), "--shard", "4/4"));
        assertEquals("ubd replay: Invalid value for option '--shard': '0/0': N, the number of shards, must be at least 1",
                refused(Map.of(), "--shard", "0/0"));
        assertTrue(refused(Map.of(), "--shards", "0").startsWith("ubd replay: Invalid value for option '--shards': '0'"));
        assertEquals("ubd replay: SLURM_ARRAY_TASK_ID=4 is not below the number of shards (SLURM_ARRAY_TASK_COUNT=4): shards are "
                        + "numbered 0 to 3 (sbatch --array=0-3)",
                refused(Map.of("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4")));
        assertEquals("ubd replay: JOB_COMPLETION_INDEX=1 gives this shard's index but not how many shards there are: add --shards N",
                refused(Map.of("JOB_COMPLETION_INDEX", "1")));
        assertEquals("ubd replay: --shards 4 without a shard index: give --shard K/N, or run as a Slurm array task "
                + "(SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)", refused(Map.of(), "--shards", "4"));
        assertEquals("ubd replay: shard 0/20: more shards than VMs (--vms 16): shard 19 would have none",
                refused(Map.of(), "--shard", "0/20"));
        assertTrue(refused(Map.of(), "--start-at", "-1").startsWith("ubd replay: Invalid value for option '--start-at': '-1' is negative"));
        // a start far ahead (a typo, seconds taken for milliseconds' future) would leave every shard waiting, silent, for years
        String far = Long.toString(System.currentTimeMillis() + 2 * 86_400_000L);
        assertTrue(refused(Map.of(), "--start-at", far).startsWith("ubd replay: Invalid value for option '--start-at': '" + far
                + "' is more than a day from now"), refused(Map.of(), "--start-at", far));
    }

    private JsonNode shardReport(Map<String, String> env, String... extra) throws Exception {
        Path out = dir.resolve("out");
        List<String> a = new ArrayList<>(List.of(extra));
        a.addAll(List.of("--merge-check", "0", "--out", out.toString()));
        ShardRuns.Run r = ShardRuns.ubd(env, replay(a.toArray(String[]::new)));
        assertEquals(0, r.exit(), r.both());
        return Json.mapper().readTree(out.resolve("report.json").toFile());
    }

    /** A Kubernetes Indexed Job pod: its index from JOB_COMPLETION_INDEX, the count from --shards; only its VMs' COW files are made. */
    @Test
    void kubernetesPodIsTheShardOfItsCompletionIndex() throws Exception {
        JsonNode r = shardReport(Map.of("JOB_COMPLETION_INDEX", "2"), "--shards", "4");
        assertEquals(2, r.get("shard").get("index").asInt());
        assertEquals(4, r.get("shard").get("count").asInt());
        assertEquals(4, r.get("vms").asInt());
        assertNull(r.get("shard").get("start_at_epoch_ms"));
        for (int vm = 0; vm < ShardRuns.VMS; vm++) {
            assertEquals(vm % 4 == 2, Files.exists(Replay.cowPath(dir.resolve("run/vm.cow"), vm)), "vm " + vm);
        }
        assertEquals(2, ShardFiles.readRecord(dir.resolve("out")).shard());
    }

    /** A Slurm array task: index and count from the array's variables; a start already past is recorded as late. */
    @Test
    void slurmArrayTaskIsTheShardOfItsTaskId() throws Exception {
        long past = System.currentTimeMillis() - 5000;
        JsonNode r = shardReport(Map.of("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "4"), "--start-at", Long.toString(past));
        JsonNode s = r.get("shard");
        assertEquals(1, s.get("index").asInt());
        assertEquals(4, s.get("count").asInt());
        assertEquals(past, s.get("start_at_epoch_ms").asLong());
        assertTrue(s.get("late_ms").asLong() >= 5000, s.toString());
        assertTrue(s.get("io").get("start_epoch_ms").asLong() - past >= s.get("late_ms").asLong(), s.toString());
    }

    /** Without --shard and without the variables: the whole run, as before, with no shard in its report. */
    @Test
    void noShardIsTheWholeRun() throws Exception {
        ShardRuns.Run r = ShardRuns.ubd(Map.of("SLURM_JOB_ID", "12"), replay("--merge-check", "0"));
        assertEquals(0, r.exit(), r.both());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(ShardRuns.VMS, j.get("vms").asInt());
        assertNull(j.get("shard"));
        assertFalse(r.out().contains("shard"), r.out());
    }
}
