package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/** How each trace's VMs fared beside the others': per_trace in the JSON, a line a trace in the summary. */
class ReplayPerTraceTest {
    private static final int READS = 3000;
    private static final int DEMO_REQUESTS = 2547;

    @TempDir
    Path dir;

    /** Random 4 KiB reads over the 64 MiB demo device, as fio's randread writes them. */
    private Path randomReads() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder b = new StringBuilder("fio version 3 iolog\n0 disk.img add\n0 disk.img open\n");
        for (int i = 0; i < READS; i++) {
            b.append(i).append(" disk.img read ").append(r.nextLong((64L << 20) / 4096) * 4096).append(" 4096\n");
        }
        b.append(READS).append(" disk.img close\n");
        return Files.writeString(dir.resolve("randread.iolog"), b);
    }

    private static void assertTraceEntry(JsonNode e, String trace, int vms, long requests) {
        List<String> keys = new ArrayList<>();
        e.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("trace", "vms", "requests", "io_iops", "latency_us"), keys, e.toString());
        assertEquals(trace, e.get("trace").asText());
        assertEquals(vms, e.get("vms").asInt(), e.toString());
        assertTrue(e.get("requests").isIntegralNumber(), e.toString());
        assertEquals(requests, e.get("requests").asLong(), e.toString());
        assertTrue(e.get("io_iops").isNumber() && e.get("io_iops").asDouble() > 0, e.toString());
        JsonNode l = e.get("latency_us");
        List<String> lk = new ArrayList<>();
        l.fieldNames().forEachRemaining(lk::add);
        assertEquals(List.of("p50", "p99", "p999", "max"), lk, e.toString());
        assertTrue(l.get("p50").asDouble() > 0, e.toString());
        assertTrue(l.get("p50").asDouble() <= l.get("p99").asDouble() && l.get("p99").asDouble() <= l.get("p999").asDouble()
                && l.get("p999").asDouble() <= l.get("max").asDouble(), e.toString());
    }

    @Test
    void twoTracesOnThreeVmsHaveTheirOwnFigures() throws Exception {
        Path reads = randomReads();
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 13, 3, "--trace", reads.toString(), "--merge-check", "0"));
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        JsonNode per = j.get("per_trace");
        assertTrue(per != null && per.isArray() && per.size() == 2, r.out());
        assertTraceEntry(per.get(0), dir.resolve("demo.iolog").toString(), 2, 2L * DEMO_REQUESTS);
        assertTraceEntry(per.get(1), reads.toString(), 1, READS);
        assertEquals(j.get("requests").asLong(), per.get(0).get("requests").asLong() + per.get(1).get("requests").asLong());
        assertEquals(2, j.get("traces").size(), "the plan's figures a trace stay as they were");
    }

    @Test
    void oneTraceHasOneEntryWithTheRunsFigures() throws Exception {
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 13, 2, "--merge-check", "0"));
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        JsonNode per = j.get("per_trace");
        assertTrue(per != null && per.isArray() && per.size() == 1, r.out());
        assertTraceEntry(per.get(0), dir.resolve("demo.iolog").toString(), 2, 2L * DEMO_REQUESTS);
        assertEquals(j.get("io_iops").asDouble(), per.get(0).get("io_iops").asDouble(), "one trace: its window is the run's");
        assertEquals(j.get("latency_us"), per.get(0).get("latency_us"), "one trace: its latencies are the run's");
    }

    /** The summary names each trace's figures, and its headline IOPS is io_iops: the figure the demo's fio line compares. */
    @Test
    void theSummaryHasALineATraceAndHeadsWithIoIops() throws Exception {
        Path reads = randomReads();
        String[] a = ReplayRun.demoArgs(dir, 13, 3, "--trace", reads.toString(), "--merge-check", "0", "--out", dir.resolve("report").toString());
        List<String> args = new ArrayList<>(List.of(a));
        args.remove("--json");
        ReplayRun r = ReplayRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = Json.mapper().readTree(dir.resolve("report/report.json").toFile());
        String out = r.out();
        assertTrue(out.contains("  " + j.get("io_iops").asDouble() + " IOPS, " + j.get("io_mb_per_s").asDouble() + " MB/s over "
                + j.get("io_s").asDouble() + " s of I/O, device latency p50 "), out);
        JsonNode per = j.get("per_trace");
        String[] names = {"demo.iolog", "randread.iolog"};
        for (int t = 0; t < 2; t++) {
            JsonNode e = per.get(t);
            JsonNode l = e.get("latency_us");
            String line = "  trace " + names[t] + ": " + e.get("vms").asInt() + " VMs, " + e.get("requests").asLong() + " requests, "
                    + e.get("io_iops").asDouble() + " IOPS, latency p50 " + l.get("p50").asDouble() + " us, p99 " + l.get("p99").asDouble()
                    + " us, p99.9 " + l.get("p999").asDouble() + " us, max " + l.get("max").asDouble() + " us";
            assertTrue(out.lines().anyMatch(line::equals), line + "\n" + out);
        }
    }
}
