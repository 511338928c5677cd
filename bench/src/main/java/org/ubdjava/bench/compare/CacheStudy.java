package org.ubdjava.bench.compare;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.cache.CacheSimulator;

/**
 * Shared vs private backing caches on a real trace, by simulation of the cache index (no data):
 * N VMs are clones over one backing file, each replaying the whole trace but started at a
 * different point of it (VM i at record i x count / N, wrapping), interleaved record by record.
 * A VM's write goes to its COW file, so its later reads of those pages never reach the backing
 * cache; every other read page is one access to the backing cache.
 *
 * <p>Private: each VM has its own cache of total / N. Shared: one cache of the total. The study
 * asks how much memory the shared cache needs to reach the hit ratio the private caches reach.
 */
final class CacheStudy {
    /** Hit ratio at a total cache size. */
    record Point(long totalBytes, double hitRatio) {
    }

    /** For one VM count and policy: both curves, and the memory ratio at each private size. */
    record Result(int vms, CachePolicy policy, List<Point> privateCurve, List<Point> sharedCurve, List<Match> matches) {
    }

    /**
     * The smallest shared size whose hit ratio reaches the private caches' at {@code privateBytes}.
     *
     * @param atMost the ladder's smallest size already reached it: the true need may be smaller
     */
    record Match(long privateBytes, double privateHitRatio, long sharedBytes, double memoryRatio, boolean atMost) {
    }

    private final TracePages trace;

    CacheStudy(TracePages trace) {
        this.trace = trace;
    }

    /** Hit ratio of N private caches of {@code perVmPages} each. */
    double privateHitRatio(int vms, CachePolicy policy, int perVmPages) {
        long hits = 0;
        long total = 0;
        for (int vm = 0; vm < vms; vm++) {
            CacheSimulator sim = new CacheSimulator(perVmPages, policy);
            BitSet written = new BitSet(trace.pages);
            int start = (int) ((long) vm * trace.count / vms);
            for (int k = 0; k < trace.count; k++) {
                access(sim, written, (start + k) % trace.count);
            }
            hits += sim.hits();
            total += sim.hits() + sim.misses();
        }
        return total == 0 ? 0 : (double) hits / total;
    }

    /** Hit ratio of one cache of {@code pages} shared by N VMs, interleaved record by record. */
    double sharedHitRatio(int vms, CachePolicy policy, int pages) {
        CacheSimulator sim = new CacheSimulator(pages, policy);
        BitSet[] written = new BitSet[vms];
        int[] start = new int[vms];
        for (int vm = 0; vm < vms; vm++) {
            written[vm] = new BitSet(trace.pages);
            start[vm] = (int) ((long) vm * trace.count / vms);
        }
        for (int k = 0; k < trace.count; k++) {
            for (int vm = 0; vm < vms; vm++) {
                access(sim, written[vm], (start[vm] + k) % trace.count);
            }
        }
        return sim.hitRatio();
    }

    private void access(CacheSimulator sim, BitSet written, int r) {
        int first = trace.firstPage[r];
        int last = trace.lastPage[r];
        if (trace.write[r]) {
            written.set(first, last + 1);
            return;
        }
        for (int p = first; p <= last; p++) {
            if (!written.get(p)) {
                sim.access(p);
            }
        }
    }

    /**
     * Both curves over total sizes {@code perVmMiB x vms}, and for each private size the
     * smallest shared size (searched on a finer ladder, {@code stepsPerDoubling} sizes per doubling) reaching its hit ratio.
     */
    Result run(int vms, CachePolicy policy, int[] perVmMiB, int stepsPerDoubling) {
        List<Point> priv = new ArrayList<>();
        List<Point> shared = new ArrayList<>();
        List<Match> matches = new ArrayList<>();
        for (int mib : perVmMiB) {
            long total = (long) mib * vms << 20;
            priv.add(new Point(total, privateHitRatio(vms, policy, mib << 8)));
        }
        // shared ladder: from 1/1024 of the smallest private total (at least 16 pages) up to the largest
        long lo = Math.max(16L << 12, ((long) perVmMiB[0] * vms << 20) / 1024);
        long hi = (long) perVmMiB[perVmMiB.length - 1] * vms << 20;
        double goal = priv.stream().mapToDouble(Point::hitRatio).max().orElse(0);
        for (double b = lo; b <= hi * 1.0001; b *= Math.pow(2, 1.0 / stepsPerDoubling)) {
            long bytes = ((long) b) & ~4095L;
            Point p = new Point(bytes, sharedHitRatio(vms, policy, (int) (bytes >>> 12)));
            shared.add(p);
            if (p.hitRatio() >= goal) {
                break; // every private size is matched: larger shared caches answer nothing more
            }
        }
        for (Point p : priv) {
            Point best = null;
            for (Point s : shared) {
                if (s.hitRatio() >= p.hitRatio() - 1e-9) {
                    best = s;
                    break;
                }
            }
            matches.add(best == null
                    ? new Match(p.totalBytes(), p.hitRatio(), -1, Double.NaN, false)
                    : new Match(p.totalBytes(), p.hitRatio(), best.totalBytes(), (double) best.totalBytes() / p.totalBytes(),
                            best == shared.get(0)));
        }
        return new Result(vms, policy, priv, shared, matches);
    }
}
