package org.ubdjava.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/** The JSON report comes from its records: systems by label, ratios to the raw file of the same run, NaN as null. */
class BenchReportTest {
    @Test
    void jsonHasTheSystemsLabelsAndTheRatiosOfTheRun() throws Exception {
        Measurement raw = new Measurement(BenchSystem.RAW, Workload.RAND_READ_EMPTY, 1, 1, 1000, 4096000, 1.0, 5, 9, Double.NaN,
                Double.NaN, "");
        Measurement ours = new Measurement(BenchSystem.DRIVER_CACHE, Workload.RAND_READ_EMPTY, 1, 1, 500, 2048000, 1.0, 10, 20, 0.5,
                0.5, "");
        BenchReport r = new BenchReport(BenchPlan.of(true, Path.of("."), null), CachePolicy.CLOCK, List.of(raw, ours), List.of(),
                List.of("uml skipped"), 2.5, 3);
        JsonNode j = Json.mapper().readTree(r.json());
        assertEquals(List.of("quick", "backingBytes", "cacheBytes", "cachePolicy", "measureMillis", "measurements", "cacheStudy",
                "targets", "skipped", "seconds"), List.copyOf(iterable(j.fieldNames())));
        JsonNode m = j.get("measurements").get(1);
        assertEquals("driver+cache", m.get("system").asText());
        assertEquals("4k-randread-cow-empty", m.get("workload").asText());
        assertEquals(500.0, m.get("iops").asDouble());
        assertEquals(0.5, m.get("ratioToRaw").asDouble());
        assertEquals(true, j.get("measurements").get(0).get("ratioToRaw").isNull());
        assertEquals("uml skipped", j.get("skipped").get(0).asText());
    }

    @Test
    void aGuestAtFourKibMustBeClearlyAheadOfTheKernelsUbdAndAtOneMibAtLeastEven() throws Exception {
        List<Measurement> m = List.of(
                guest(BenchSystem.UML, Workload.RAND_READ_EMPTY, 10_000), guest(BenchSystem.GUEST_VHOST, Workload.RAND_READ_EMPTY, 11_500),
                guest(BenchSystem.UML, Workload.RAND_WRITE, 10_000), guest(BenchSystem.GUEST_VHOST, Workload.RAND_WRITE, 12_500),
                guest(BenchSystem.UML, Workload.SEQ_READ, 1_000), guest(BenchSystem.GUEST_VHOST, Workload.SEQ_READ, 1_000));
        BenchReport r = new BenchReport(BenchPlan.of(true, Path.of("."), null), CachePolicy.CLOCK, m, List.of(), List.of(), 60, 5);
        JsonNode targets = Json.mapper().readTree(r.json()).get("targets");
        assertEquals("false 1.15 1.2 median of 5 rounds", target(targets, "on the kernel's ubd, 4k-randread-cow-empty"));
        assertEquals("true 1.25 1.2 median of 5 rounds", target(targets, "on the kernel's ubd, 4k-randwrite"));
        assertEquals("true 1.0 1.0 median of 5 rounds", target(targets, "on the kernel's ubd, 1m-seqread"));
    }

    private static Measurement guest(BenchSystem s, Workload w, long iops) {
        return new Measurement(s, w, 1, 1, iops, iops * w.blockSize, 1.0, 50, 90, Double.NaN, Double.NaN, "");
    }

    /** "met value goal how-suffix" of the one target whose name ends with {@code suffix}. */
    private static String target(JsonNode targets, String suffix) {
        for (JsonNode t : targets) {
            if (t.get("name").asText().endsWith(suffix)) {
                String how = t.get("how").asText();
                return t.get("met").asBoolean() + " " + Math.round(t.get("value").asDouble() * 100) / 100.0 + " " + t.get("goal").asDouble()
                        + " " + how.substring(how.indexOf("median"));
            }
        }
        throw new AssertionError("no target ending " + suffix + " in " + targets);
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
