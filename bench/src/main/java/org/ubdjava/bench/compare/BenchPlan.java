package org.ubdjava.bench.compare;

import java.nio.file.Path;

/**
 * How big and how long: {@code --quick} (about a minute) or the full run.
 *
 * @param backingBytes  the backing file
 * @param cacheBytes    the shared cache's bound in the driver+cache system
 * @param warmMillis    each run's warm-up before measuring
 * @param measureMillis each run's measured time
 * @param traceLimit    trace records used (0: all)
 * @param studyPerVmMiB private cache sizes per VM in the cache study
 * @param studySteps    shared cache sizes per doubling in the study
 */
record BenchPlan(boolean quick, Path dir, Path trace, long backingBytes, long cacheBytes, long warmMillis, long measureMillis,
                 int[] deviceCounts, int traceLimit, int[] studyPerVmMiB, int studySteps) {
    static BenchPlan of(boolean quick, Path dir, Path trace) {
        return quick
                ? new BenchPlan(true, dir, trace, 256L << 20, 256L << 20, 250, 600, new int[] {1, 8, 64}, 0,
                        new int[] {1, 8, 64}, 1)
                : new BenchPlan(false, dir, trace, 1L << 30, 1L << 30, 1000, 3000, new int[] {1, 8, 64}, 0,
                        new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256}, 4);
    }
}
