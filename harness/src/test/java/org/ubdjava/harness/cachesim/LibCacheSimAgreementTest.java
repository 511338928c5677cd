package org.ubdjava.harness.cachesim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.cache.CacheSimulator;

/**
 * Our policies against libCacheSim, the field's reference simulator, on the same page streams:
 * the miss ratios libCacheSim's cachesim printed (reference.tsv, made as its README says) must
 * be ours within 0.001. The streams are regenerated here from the repository alone.
 */
class LibCacheSimAgreementTest {
    private static final double TOLERANCE = 0.001;

    record Reference(String stream, CachePolicy policy, int pages, long requests, double missRatio) {
    }

    static List<Reference> references() throws IOException {
        List<Reference> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                LibCacheSimAgreementTest.class.getResourceAsStream("/libcachesim/reference.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                out.add(new Reference(f[0], CachePolicy.parse(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]), Double.parseDouble(f[4])));
            }
        }
        return out;
    }

    @Test
    void missRatiosAgreeWithLibCacheSimWithinOneThousandth(@TempDir Path scratch) throws IOException {
        List<Reference> refs = references();
        Set<CachePolicy> policies = new HashSet<>();
        Map<String, long[]> streams = new HashMap<>();
        List<String> report = new ArrayList<>();
        double worst = 0;
        for (Reference ref : refs) {
            long[] pages = streams.computeIfAbsent(ref.stream(), n -> {
                try {
                    return ReferenceStreams.pages(n, scratch);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(ref.requests(), pages.length, ref.stream() + ": the stream is not the one libCacheSim read");
            CacheSimulator sim = new CacheSimulator(ref.pages(), ref.policy());
            for (long p : pages) {
                sim.access(p);
            }
            double ours = (double) sim.misses() / pages.length;
            double diff = Math.abs(ours - ref.missRatio());
            worst = Math.max(worst, diff);
            if (diff > TOLERANCE) {
                report.add(String.format("%s %s %d: ours %.5f, libCacheSim %.4f", ref.stream(), ref.policy(), ref.pages(), ours, ref.missRatio()));
            }
            policies.add(ref.policy());
        }
        assertTrue(report.isEmpty(), "disagreements: " + report);
        for (CachePolicy p : new CachePolicy[] {CachePolicy.LRU, CachePolicy.ARC, CachePolicy.SIEVE, CachePolicy.S3_FIFO}) {
            assertTrue(policies.contains(p), "no reference figures for " + p);
        }
        assertEquals(ReferenceStreams.NAMES.size(), streams.size());
        System.out.printf("libCacheSim agreement: %d figures, largest difference %.5f%n", refs.size(), worst);
    }
}
