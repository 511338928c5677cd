package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import picocli.CommandLine;

/**
 * deploy/kubernetes/ parses, and its Jobs run the commands the Slurm scripts run: the Indexed
 * Job's pods {@code deploy/shard OUT REPLAY-ARGS...} with REPLAY-ARGS that `ubd replay` takes
 * (the shard count equal to the Job's completions), the merge Job {@code deploy/merge OUT}, both
 * over one ReadWriteMany volume.
 */
class ShardDeployManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Path repo() {
        return Path.of(System.getProperty("ubd.repo.root", "..")).toAbsolutePath().normalize();
    }

    static JsonNode manifest(String name) throws IOException {
        return YAML.readTree(repo().resolve("deploy/kubernetes").resolve(name).toFile());
    }

    /** The one container of a Job. */
    static JsonNode container(JsonNode job) {
        JsonNode containers = job.at("/spec/template/spec/containers");
        assertEquals(1, containers.size(), job.toString());
        return containers.get(0);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void everyManifestParses() throws IOException {
        try (var files = Files.list(repo().resolve("deploy/kubernetes"))) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertEquals(List.of("merge-job.yaml", "replay-job.yaml", "volume.yaml"), yaml.stream().map(p -> p.getFileName().toString()).toList());
            for (Path f : yaml) {
                JsonNode doc = YAML.readTree(f.toFile());
                assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind") && doc.at("/metadata/name").isTextual(), f.toString());
            }
        }
    }

    @Test
    void theIndexedJobRunsDeployShardAsTheSlurmArrayDoes() throws IOException {
        JsonNode job = manifest("replay-job.yaml");
        assertEquals("Job", job.get("kind").asText());
        assertEquals("Indexed", job.at("/spec/completionMode").asText());
        int n = job.at("/spec/completions").asInt();
        assertEquals(n, job.at("/spec/parallelism").asInt(), "every shard runs at once, from one common start");
        JsonNode c = container(job);
        assertEquals(List.of("deploy/shard"), strings(c.get("command")));
        List<String> args = strings(c.get("args"));
        String out = args.get(0);
        List<String> replayArgs = args.subList(1, args.size());

        // REPLAY-ARGS are ubd replay's own, SPEC last, with the shard count the Job's
        ReplayCommand replay = new ReplayCommand();
        CommandLine.ParseResult parsed = new CommandLine(replay).parseArgs(replayArgs.toArray(String[]::new));
        assertTrue(parsed.errors().isEmpty(), parsed.errors().toString());
        assertEquals(n, replay.shards, "--shards is the Job's completions");
        assertTrue(replay.vms >= n, "at least a VM a shard");
        assertEquals(replayArgs.get(replayArgs.size() - 1), replay.device, "SPEC last");
        assertTrue(replay.device.matches("ubd0=" + out + "/[^,]+,/data/.+"), "COW files under OUT, the backing file on the volume: " + replay.device);
        assertTrue(replay.traces.stream().allMatch(t -> t.startsWith("/data/")), replay.traces.toString());

        List<String> env = new ArrayList<>();
        c.get("env").forEach(e -> env.add(e.get("name").asText()));
        assertEquals(List.of("UBD_RUN_ID", "UBD_START_LEAD"), env, "the variables deploy/shard reads");
        assertEquals("/data", c.at("/volumeMounts/0/mountPath").asText());
    }

    @Test
    void theMergeJobRunsDeployMergeOnTheSameOut() throws IOException {
        JsonNode replay = manifest("replay-job.yaml");
        JsonNode merge = manifest("merge-job.yaml");
        JsonNode c = container(merge);
        assertEquals(List.of("deploy/merge"), strings(c.get("command")));
        assertEquals(List.of(strings(container(replay).get("args")).get(0)), strings(c.get("args")));
        assertEquals(container(replay).get("image"), c.get("image"));
        assertEquals(container(replay).get("workingDir"), c.get("workingDir"));
        JsonNode volume = manifest("volume.yaml");
        assertEquals("PersistentVolumeClaim", volume.get("kind").asText());
        assertTrue(strings(volume.at("/spec/accessModes")).contains("ReadWriteMany"), "pods on many nodes mount it");
        for (JsonNode job : List.of(replay, merge)) {
            assertEquals(volume.at("/metadata/name").asText(), job.at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText());
        }
    }

    /** The Slurm scripts end in the same two commands with the arguments they were given: OUT REPLAY-ARGS..., and OUT. */
    @Test
    void theSlurmScriptsRunTheSameCommands() throws IOException {
        assertEquals("exec deploy/shard \"$@\"", lastCommand("deploy/slurm/replay.sbatch"));
        assertEquals("exec deploy/merge \"$@\"", lastCommand("deploy/slurm/merge.sbatch"));
    }

    private static String lastCommand(String script) throws IOException {
        List<String> lines = Files.readAllLines(repo().resolve(script)).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        return lines.get(lines.size() - 1);
    }
}
