package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What deploy/kubernetes/'s Jobs run, run here: each pod's command and arguments from
 * replay-job.yaml, with JOB_COMPLETION_INDEX set for each index (all at once, as parallelism
 * says), the volume's /data a directory here, then merge-job.yaml's command. The merge is the whole
 * run's, COW files byte for byte.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShardKubernetesIT {
    /** A path on the volume in an argument: /data at the start, or after the = or , of a SPEC. */
    private static final Pattern ON_VOLUME = Pattern.compile("(^|[=,])/data(?=/|$)");

    @TempDir
    Path dir;

    private List<String> onVolume(List<String> args, Path data) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(ON_VOLUME.matcher(a).replaceAll("$1" + Matcher.quoteReplacement(data.toString())));
        }
        return out;
    }

    @Test
    void everyIndexOfTheIndexedJobThenTheMergeJobIsTheWholeRun() throws Exception {
        JsonNode job = ShardDeployManifestsTest.manifest("replay-job.yaml");
        JsonNode pod = ShardDeployManifestsTest.container(job);
        JsonNode mergePod = ShardDeployManifestsTest.container(ShardDeployManifestsTest.manifest("merge-job.yaml"));
        int n = job.at("/spec/completions").asInt();
        Path data = dir.resolve("data");
        List<String> args = onVolume(ShardDeployManifestsTest.strings(pod.get("args")), data);
        List<String> mergeArgs = onVolume(ShardDeployManifestsTest.strings(mergePod.get("args")), data);
        // the volume holds the backing file and the trace before the run, as the README says
        Files.createDirectories(data);
        ShardRuns.Inputs in = ShardRuns.Inputs.at(data.resolve("trace.iolog"), data.resolve("base.img"));
        assertTrue(args.contains(in.trace().toString()) && args.get(args.size() - 1).endsWith("," + in.backing()), args.toString());
        Path cows = Path.of(args.get(0));
        Files.createDirectories(cows);
        assertEquals(ShardRuns.VMS, Integer.parseInt(args.get(args.indexOf("--vms") + 1)), "the manifest's fleet is the test's");
        JsonNode whole = DeployedRuns.whole(in, dir.resolve("whole"));

        // workingDir is the image's checkout: this one
        Path root = DeployedRuns.repo();
        Map<String, String> env = new HashMap<>();
        env.put("UBD_RUN_ID", "ubd-replay-test-uid"); // the Job's uid
        env.put("UBD_START_LEAD", DeployedRuns.START_LEAD);
        List<Process> pods = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Map<String, String> e = new HashMap<>(env);
            e.put("JOB_COMPLETION_INDEX", Integer.toString(k));
            List<String> cmd = new ArrayList<>();
            ShardDeployManifestsTest.strings(pod.get("command")).forEach(c -> cmd.add(root.resolve(c).toString()));
            cmd.addAll(args);
            pods.add(DeployedRuns.start(root, cmd, e, dir.resolve("pod-" + k + ".log")));
        }
        for (int k = 0; k < n; k++) {
            Process p = pods.get(k);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                pods.forEach(Process::destroyForcibly);
                throw new AssertionError("pod " + k + " did not end within 300 s:\n" + Files.readString(dir.resolve("pod-" + k + ".log")));
            }
            assertEquals(0, p.exitValue(), "pod " + k + ":\n" + Files.readString(dir.resolve("pod-" + k + ".log")));
        }
        List<String> merge = new ArrayList<>();
        ShardDeployManifestsTest.strings(mergePod.get("command")).forEach(c -> merge.add(root.resolve(c).toString()));
        merge.addAll(mergeArgs);
        DeployedRuns.Ran m = DeployedRuns.run(root, merge, Map.of(), dir.resolve("merge.log"), 120);
        assertEquals(0, m.exit(), m.out());
        JsonNode merged = Json.mapper().readTree(cows.resolve("merged.json").toFile());
        DeployedRuns.assertTheWholeRun(whole, dir.resolve("whole"), merged, cows, n, m.out());
        assertTrue(Files.isDirectory(cows.resolve("start-at-ubd-replay-test-uid")), "the pods agreed on their start through OUT");
    }
}
