package org.ubdjava.harness.cachesim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.harness.replay.ReplayOptions.Shift;

/**
 * The page streams the libCacheSim reference figures were made on, regenerated from what the
 * repository holds: the shipped zipf trace as one VM and as 8 time-shifted VMs sharing a cache,
 * and a seeded synthetic Zipf stream. {@code main(DIR)} writes them one page a line, the input of
 * libCacheSim's cachesim (see src/test/resources/libcachesim/README.md).
 */
final class ReferenceStreams {
    static final List<String> NAMES = List.of("zipf-trace-1vm", "zipf-trace-8vm", "zipf-synthetic");

    private ReferenceStreams() {
    }

    /** The stream {@code name}, as page numbers. */
    static long[] pages(String name, Path scratch) throws IOException {
        return switch (name) {
            case "zipf-trace-1vm" -> fromTrace(1, scratch);
            case "zipf-trace-8vm" -> fromTrace(8, scratch);
            case "zipf-synthetic" -> zipf(500_000, 50_000, 0.9, 20261202);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The shipped zipf.iolog's shared stream with {@code vms} VMs spread in time, via --dump-pages. */
    private static long[] fromTrace(int vms, Path scratch) throws IOException {
        Path dump = scratch.resolve("dump-" + vms + ".txt");
        PageTrace t;
        try (var reader = ShippedTraces.open("zipf.iolog")) {
            t = PageTrace.read(reader, Long.MAX_VALUE);
        }
        CacheSim.run(new CacheSim.Config(List.of(t), List.of(CachePolicy.LRU), new long[] {1 << 20}, vms,
                vms > 1 ? Shift.EVEN : Shift.NONE, Shift.NONE, 1, 0, dump));
        return Files.readAllLines(dump).stream().mapToLong(Long::parseLong).toArray();
    }

    /** {@code n} draws from a Zipf({@code alpha}) law over {@code pages} pages (page 0 most popular), by inverse CDF. */
    static long[] zipf(int n, int pages, double alpha, long seed) {
        double[] cdf = new double[pages];
        double sum = 0;
        for (int k = 0; k < pages; k++) {
            sum += 1 / Math.pow(k + 1, alpha);
            cdf[k] = sum;
        }
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            int k = Arrays.binarySearch(cdf, r.nextDouble() * sum);
            out[i] = k >= 0 ? k : Math.min(-k - 1, pages - 1);
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (String name : NAMES) {
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(name + ".txt"))) {
                for (long p : pages(name, dir)) {
                    w.write(Long.toString(p));
                    w.write('\n');
                }
            }
        }
    }
}
