package org.ubdjava.cli;

import org.ubdjava.harness.cachesim.CacheSimReport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;
import org.ubdjava.cli.replay.ReplayRun;

class CacheSimCommandTest {
    static ReplayRun ubd(String... args) {
        return ReplayRun.of(args);
    }

    @Test
    void withoutATraceItRunsOnTheShippedTracesAndPrintsTheJsonTheSpecNames(@TempDir Path dir) throws Exception {
        ReplayRun r = ubd("cache-sim", "--vms", "2", "--shift-time", "--policy", "lru,sieve", "--size", "64KiB,1MiB", "--sample", "0.5",
                "--json", "--out", dir.toString(), "--dump-pages", dir.resolve("pages.txt").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        JsonNode results = j.get("results");
        assertEquals(2 * 2 * 2, results.size());
        JsonNode first = results.get(0);
        assertEquals(List.of("policy", "size_bytes", "vms", "mode", "accesses", "hits", "hit_ratio"), fieldNames(first));
        assertEquals("lru", first.get("policy").asText());
        assertEquals(65536, first.get("size_bytes").asLong());
        assertEquals("shared", first.get("mode").asText());
        assertEquals("private", results.get(1).get("mode").asText());
        assertEquals(first.get("hits").asDouble() / first.get("accesses").asLong(), first.get("hit_ratio").asDouble(), 1e-12);
        assertEquals("[\"guest-scan.iolog\",\"guest-cp.iolog\"]", j.get("stream").get("traces").toString());
        assertEquals(0.5, j.get("sample").get("rate").asDouble());
        assertTrue(j.get("sample").get("mean_abs_error").isNumber());
        assertTrue(Files.size(dir.resolve(CacheSimReport.PNG)) > 10_000);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<img src=\"hit-ratio.png\""));
        assertEquals(j, Json.mapper().readTree(Files.readString(dir.resolve("report.json"))));
        assertEquals(j.get("stream").get("accesses").asLong(), Files.readAllLines(dir.resolve("pages.txt")).size());
        assertTrue(r.err().contains("wrote " + dir.resolve("report.json")));
    }

    @Test
    void theTableNamesEveryRow() {
        ReplayRun r = ubd("cache-sim", "--policy", "s3-fifo", "--size", "1MiB");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("1 VMs on guest-scan.iolog"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("s3-fifo    shared          1 MiB")), r.out());
        assertFalse(r.out().contains("private"));
    }

    @Test
    void wrongCommandLinesExitTwoWithOneLine() {
        for (String[] args : new String[][] {
                {"cache-sim", "--size", "12XB"},
                {"cache-sim", "--size", "4096", "--vms", "2"},
                {"cache-sim", "--policy", "mru"},
                {"cache-sim", "--policy", "none"},
                {"cache-sim", "--sample", "1.5"},
                {"cache-sim", "--random-shifts"},
                {"cache-sim", "--trace", "a", "--trace", "b"}}) {
            ReplayRun r = ubd(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().lines().findFirst().orElse("").length() > 10, r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void aMalformedTraceIsAOneLineErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.iolog");
        Files.writeString(bad, "fio version 3 iolog\n1 d.img add\n2 d.img open\n3 d.img read 4096\n");
        ReplayRun r = ubd("cache-sim", "--trace", bad.toString(), "--format", "fio");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(bad.toString()), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        ReplayRun missing = ubd("cache-sim", "--trace", dir.resolve("none.iolog").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("none.iolog"), missing.err());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
