package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The shipped deploy/slurm/replay.sbatch as a 4-task array on a real Slurm cluster (CI starts a
 * single-node one with .ci/slurm-up): the tasks replay their shards from one common start, the
 * merge job the first task submitted runs after them, and its OUT/merged.json is the whole run's,
 * COW files byte for byte. Skipped, saying so, where no cluster answers.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShardSlurmIT {
    private static final int TASKS = 4;
    /** Longest the array and its merge may take here: JVM starts on a loaded 2-core machine, a 2 s lead, small replays. */
    private static final long DEADLINE_SECONDS = 300;

    @TempDir
    Path dir;

    /** Whether a Slurm controller answers here, and why not when it does not. */
    private static String slurmMissing(Path dir) {
        try {
            DeployedRuns.Ran r = DeployedRuns.run(dir, List.of("sinfo", "-h", "-o", "%a %T"), Map.of(), dir.resolve("sinfo.log"), 20);
            if (r.exit() != 0 || r.out().isBlank()) {
                return "sinfo exits " + r.exit() + ": " + r.out().strip();
            }
            return null;
        } catch (Exception | AssertionError e) {
            return "sinfo does not answer: " + e.getMessage();
        }
    }

    private DeployedRuns.Ran slurm(String... command) throws Exception {
        return DeployedRuns.run(DeployedRuns.repo(), List.of(command), Map.of(), dir.resolve("slurm-cmd.log"), 30);
    }

    /** Whether a job (or any task of an array) is still queued or running. */
    private boolean queued(String job) throws Exception {
        DeployedRuns.Ran r = slurm("squeue", "-h", "-j", job, "-o", "%i %T");
        // a job that has left the controller's memory is "Invalid job id": ended too
        return r.exit() == 0 && !r.out().isBlank();
    }

    @Test
    void aFourTaskArrayOfTheShippedScriptIsTheWholeRun() throws Exception {
        String missing = slurmMissing(dir);
        if (missing != null) {
            System.err.println("*** SLURM TEST SKIPPED: no Slurm cluster here (" + missing + "); bash .ci/slurm-up starts one");
            Assumptions.abort(missing);
        }
        ShardRuns.Inputs in = ShardRuns.Inputs.in(dir);
        JsonNode whole = DeployedRuns.whole(in, dir.resolve("whole"));

        Path out = dir.resolve("out");
        Path cows = dir.resolve("sharded");
        Files.createDirectories(out);
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable", "--array=0-" + (TASKS - 1), "--job-name=ubd-shard-it",
                "--output=" + out.resolve("task-%a.out"), "deploy/slurm/replay.sbatch", out.toString()));
        cmd.addAll(in.replay(cows).subList(1, in.replay(cows).size())); // REPLAY-ARGS: ubd replay's own, SPEC last
        DeployedRuns.Ran submitted = DeployedRuns.run(DeployedRuns.repo(), cmd, Map.of("UBD_START_LEAD", DeployedRuns.START_LEAD),
                dir.resolve("sbatch.log"), 60);
        assertEquals(0, submitted.exit(), submitted.out());
        String array = submitted.out().strip().split(";")[0];
        assertTrue(array.matches("\\d+"), submitted.out());

        // polled, not sbatch --wait: the merge is a second job, submitted by the array's first task
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        Path mergeId = out.resolve("merge.jobid");
        while (true) {
            boolean arrayQueued = queued(array);
            String merge = Files.exists(mergeId) ? Files.readString(mergeId).strip() : null;
            if (!arrayQueued && merge != null && !merge.isEmpty() && !queued(merge)) {
                break;
            }
            if (!arrayQueued && merge == null) {
                throw new AssertionError("the array ended and no merge job was submitted:\n" + logs(out));
            }
            if (System.nanoTime() > deadline) {
                slurm("scancel", array);
                if (merge != null) {
                    slurm("scancel", merge);
                }
                throw new AssertionError("the array and its merge did not end within " + DEADLINE_SECONDS + " s:\n" + logs(out));
            }
            Thread.sleep(500);
        }
        Path merged = out.resolve("merged.json");
        assertTrue(Files.exists(merged), logs(out));
        JsonNode m = Json.mapper().readTree(merged.toFile());
        DeployedRuns.assertTheWholeRun(whole, dir.resolve("whole"), m, cows, TASKS, logs(out));
        for (int k = 0; k < TASKS; k++) {
            String task = Files.readString(out.resolve("task-" + k + ".out"));
            assertTrue(task.contains("shard " + k + " on "), task);
        }
        Path mergeLog = out.resolve("merge-" + Files.readString(out.resolve("merge.jobid")).strip() + ".out");
        assertTrue(Files.readString(mergeLog).contains("\"verdict\" : \"passed\""), "the merged report is in the merge job's log too");
    }

    private static String logs(Path out) throws Exception {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(out)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".out")).sorted().toList()) {
                b.append("--- ").append(f.getFileName()).append('\n').append(Files.readString(f)).append('\n');
            }
        }
        return b.toString();
    }
}
