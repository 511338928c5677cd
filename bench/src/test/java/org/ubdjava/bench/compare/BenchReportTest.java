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
                List.of("uml skipped"), 2.5);
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

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
