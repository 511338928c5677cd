package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The warm-up before a replay's clock runs on a scratch device of its own: it leaves no file
 * behind, changes none of the run's counts or its verdict, and the report says how long it took.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReplayWarmUpTest {
    @TempDir
    Path dir;

    private static List<String> names(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void warmUpLeavesNoFileAndChangesNoCount() throws Exception {
        ReplayRun cold = ReplayRun.of(ReplayRun.demoArgs(dir, 7, 2, "--warm-up", "0"));
        assertEquals(0, cold.exit(), cold.out() + cold.err());
        List<String> before = names(dir.resolve("run"));
        List<String> top = names(dir);
        ReplayRun warm = ReplayRun.of(ReplayRun.demoArgs(dir, 7, 2, "--warm-up", "5000", "--force"));
        assertEquals(0, warm.exit(), warm.out() + warm.err());
        assertEquals("", warm.err());
        assertEquals(before, names(dir.resolve("run")), "only the run's own COW files");
        assertEquals(top, names(dir));

        JsonNode c = Json.mapper().readTree(cold.out());
        JsonNode w = Json.mapper().readTree(warm.out());
        for (String k : List.of("verdict", "vms", "requests", "reads_verified", "mismatches", "errors", "backing_unchanged",
                "bitmaps_exact", "merge_checked", "merge_ok", "disk_usage", "model", "trace", "backing_sha256")) {
            assertEquals(c.get(k), w.get(k), k);
        }
        assertNull(c.get("warm_up_s"), "no warm-up asked for, none reported");
        double warmUp = w.get("warm_up_s").asDouble();
        assertTrue(warmUp > 0 && warmUp < 60, w.toString());
        assertTrue(w.get("elapsed_s").asDouble() >= warmUp, "the whole run's time includes the warm-up");
        assertTrue(w.get("io_s").asDouble() < w.get("elapsed_s").asDouble());
    }

    @Test
    void theHumanReportSaysTheWarmUpIsOutsideTheIoFigures() throws Exception {
        String[] args = ReplayRun.demoArgs(dir, 7, 1, "--warm-up", "200");
        List<String> noJson = new java.util.ArrayList<>(List.of(args));
        noJson.remove("--json");
        ReplayRun r = ReplayRun.of(noJson.toArray(String[]::new));
        assertEquals(0, r.exit(), r.out() + r.err());
        String line = r.out().lines().skip(1).findFirst().orElse("");
        assertTrue(line.matches("  of which \\d+\\.\\d+ s warming the request path on a scratch device before the first request "
                + "\\(outside io_s\\)"), line);
        assertFalse(names(dir.resolve("run")).stream().anyMatch(n -> n.startsWith(".")), names(dir.resolve("run")).toString());
    }
}
