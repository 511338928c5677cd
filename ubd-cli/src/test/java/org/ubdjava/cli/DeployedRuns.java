package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * For the tests that run deploy/ as the schedulers do: the scripts and bin/ubd of this checkout
 * (the package phase built its jar), a whole run in-process to compare with, and what a merged
 * run must show: the whole run's requests, reads verified and per-trace figures, passed, no
 * mismatch, and every VM's COW file the whole run's byte for byte.
 */
final class DeployedRuns {
    /** Seconds from the first shard's start to the common start: the shards here start within that. */
    static final String START_LEAD = "2";

    private DeployedRuns() {
    }

    static Path repo() {
        return ShardDeployManifestsTest.repo();
    }

    /** What a process of deploy/ gets: this JVM's environment without any scheduler's variables, and {@code extra}. */
    static void environment(Map<String, String> env, Map<String, String> extra) {
        env.keySet().removeIf(k -> k.startsWith("SLURM_") || k.equals("JOB_COMPLETION_INDEX") || k.startsWith("UBD_"));
        // the package phase built the jar: a scheduled task must not start a build of its own
        env.put("UBD_NO_BUILD", "1");
        env.putAll(extra);
    }

    record Ran(int exit, String out) {
    }

    /** Runs {@code command} in {@code cwd}; its output (both streams) goes to {@code log}. */
    static Process start(Path cwd, List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb.environment(), env);
        return pb.start();
    }

    static Ran run(Path cwd, List<String> command, Map<String, String> env, Path log, int timeoutSeconds) throws Exception {
        Process p = start(cwd, command, env, log);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command + "\n" + Files.readString(log));
        }
        return new Ran(p.exitValue(), Files.readString(log));
    }

    /** The whole run of {@code inputs} in-process, COW files in {@code cows}: its report. */
    static JsonNode whole(ShardRuns.Inputs inputs, Path cows) throws Exception {
        ShardRuns.Run w = ShardRuns.ubd(inputs.replay(cows));
        assertEquals(0, w.exit(), w.both());
        return Json.mapper().readTree(w.out());
    }

    /** The merged report has the whole run's figures, and every COW file in {@code cows} is the one in {@code wholeCows}. */
    static void assertTheWholeRun(JsonNode whole, Path wholeCows, JsonNode merged, Path cows, int shards, String context)
            throws IOException {
        assertEquals("passed", merged.get("verdict").asText(), context);
        assertTrue(merged.get("passed").asBoolean(), context);
        for (String key : List.of("vms", "requests", "reads_verified", "mismatches", "errors")) {
            assertEquals(whole.get(key).asLong(), merged.get(key).asLong(), key + "\n" + context);
        }
        assertEquals(0, merged.get("mismatches").asLong());
        assertEquals((long) ShardRuns.DEMO_REQUESTS * ShardRuns.VMS, merged.get("requests").asLong());
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (JsonNode t : whole.get("per_trace")) {
            a.add(t.get("trace").asText() + " " + t.get("vms").asInt() + " " + t.get("requests").asLong());
        }
        for (JsonNode t : merged.get("per_trace")) {
            b.add(t.get("trace").asText() + " " + t.get("vms").asInt() + " " + t.get("requests").asLong());
        }
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            // the traces' paths differ between the runs (each its own directory); their figures do not
            assertEquals(a.get(i).substring(a.get(i).lastIndexOf('/')), b.get(i).substring(b.get(i).lastIndexOf('/')), context);
        }
        assertEquals(shards, merged.get("merge").get("shards").asInt());
        assertEquals(shards, merged.get("merge").get("merged").asInt());
        for (int vm = 0; vm < ShardRuns.VMS; vm++) {
            Path x = Replay.cowPath(wholeCows.resolve("vm.cow"), vm);
            Path y = Replay.cowPath(cows.resolve("vm.cow"), vm);
            assertEquals(-1, Files.mismatch(x, y), "vm " + vm + ": " + x + " and " + y + " differ");
        }
    }
}
