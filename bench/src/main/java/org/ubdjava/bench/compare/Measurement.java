package org.ubdjava.bench.compare;

/**
 * One system on one workload: throughput and latency. Latency in microseconds, NaN where the
 * tool does not report it (qemu-img bench); hit ratio NaN where there is no cache of ours.
 *
 * @param depth   requests in flight per device
 * @param ratioToRaw IOPS over the raw host file's on the same workload, from the same run
 */
record Measurement(BenchSystem system, Workload workload, int devices, int depth, long ops, long bytes, double seconds,
                   double p50Micros, double p99Micros, double cacheHitRatio, double ratioToRaw, String note) {
    double iops() {
        return seconds <= 0 ? 0 : ops / seconds;
    }

    double megabytesPerSecond() {
        return seconds <= 0 ? 0 : bytes / seconds / 1e6;
    }

    Measurement withRatio(double r) {
        return new Measurement(system, workload, devices, depth, ops, bytes, seconds, p50Micros, p99Micros, cacheHitRatio, r, note);
    }
}
