package org.ubdjava.harness.cachesim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.ubdjava.core.UbdException;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.cache.CacheSimulator;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.replay.Shard;
import org.ubdjava.harness.replay.VmPlacement;

/**
 * Exact simulation of the driver's backing cache for a fleet of VMs over one backing file. VM i
 * replays trace i mod T, placed in time and space by the replay's schedule ({@link VmPlacement});
 * the VMs advance one record each in turn (the order of a replay as fast as possible). Each
 * VM's backing reads ({@link VmStream}) go to one cache of the whole size (shared) and to the
 * VM's own cache of size / N (private). The caches are the driver's own {@link CacheSimulator}
 * (its page index and eviction policy, without page data), so what is simulated is what runs.
 *
 * <p>One pass feeds every cache at once; LRU's curves over many sizes come from stack distances
 * in the same pass, as does the SHARDS estimate. Without sizes, a first pass measures the
 * footprint and the sizes are spread over it.
 */
public final class CacheSim {
    static final String SHARED = "shared";
    static final String PRIVATE = "private";
    /** Sizes on the curves, log-spaced up to the footprint. */
    static final int CURVE_POINTS = 40;

    /**
     * @param sizes     total cache sizes in bytes, or null to spread sizes over the footprint
     * @param sample    the SHARDS rate, or 0 for none
     * @param dumpPages where to write the shared stream of page numbers (one a line), or null
     */
    public record Config(List<PageTrace> traces, List<CachePolicy> policies, long[] sizes, int vms, Shift shiftTime,
                         Shift shiftSpace, long seed, double sample, Path dumpPages) {
    }

    private CacheSim() {
    }

    /** Heap each VM's own stack-distance tracker takes from the start: its Fenwick tree, live flags and histogram. */
    public static final long HEAP_PER_VM = ((1 << 16) + 1) * 4L + (1 << 16) + 1024 * 8;

    /**
     * Heap each page of each simulated cache takes at least, allocated when the cache is made: its
     * slot's page number and free-list entry (12 bytes) and the index's hash slots at load 0.5 (24).
     */
    public static final long HEAP_PER_PAGE = 36;

    /**
     * The least heap a simulation of {@code vms} VMs and {@code policies} policies takes, with
     * {@code sizes} (null: derived from the footprint later, counted as none here). A double: it must not overflow.
     */
    public static double heapFloor(int vms, int policies, long[] sizes) {
        double pages = 0;
        if (sizes != null) {
            for (long s : sizes) {
                pages += (double) s / PageTrace.PAGE * (vms > 1 ? 2 : 1); // the shared cache, and N private ones of 1/N
            }
        }
        return (double) vms * HEAP_PER_VM + pages * policies * HEAP_PER_PAGE;
    }

    public static CacheSimResult run(Config c) {
        List<PageTrace> traces = onOneDevice(c);
        int vms = c.vms();
        StackDistances shared = new StackDistances();
        StackDistances[] own = new StackDistances[vms];
        for (int vm = 0; vm < vms; vm++) {
            own[vm] = new StackDistances();
        }
        Shards shards = c.sample() > 0 ? new Shards(c.sample()) : null;
        Simulators first = c.sizes() == null ? null : new Simulators(c.policies(), c.sizes(), vms);
        long records;
        try (PageDump dump = c.dumpPages() == null ? null : new PageDump(c.dumpPages())) {
            records = drive(streams(traces, c), (vm, page) -> {
                shared.access(page);
                own[vm].access(page);
                if (shards != null) {
                    shards.access(page);
                }
                if (dump != null) {
                    dump.write(page);
                }
                if (first != null) {
                    first.access(vm, page);
                }
            });
        }
        Simulators sims = first;
        if (sims == null) {
            sims = new Simulators(c.policies(), defaultSizes(shared.footprint(), vms), vms);
            drive(streams(traces, c), sims::access);
        }
        long[] curveSizes = curveSizes(shared.footprint(), vms, sims.sizes);
        CacheSimResult.Curve sharedCurve = curve(SHARED, curveSizes, shared.cumulativeHits(), shared.accesses());
        List<CacheSimResult.Curve> curves = vms == 1 ? List.of(sharedCurve) // one VM's private cache is the shared one
                : List.of(sharedCurve, privateCurve(curveSizes, own, vms, shared.accesses()));
        CacheSimResult.Sampled sampled = shards == null ? null : sampled(shards, curves.get(0));
        List<String> names = new ArrayList<>();
        for (PageTrace t : c.traces()) {
            names.add(t.name);
        }
        CacheSimResult.Stream stream = new CacheSimResult.Stream(names, vms, c.shiftTime().name().toLowerCase(Locale.ROOT),
                c.shiftSpace().name().toLowerCase(Locale.ROOT), records, shared.accesses(), shared.footprint());
        return new CacheSimResult(sims.rows(), curves, sampled, stream);
    }

    /**
     * The private caches of one shard of the fleet: the VMs i with i mod N = K, each with its own
     * caches of size / vms (vms the whole fleet's), placed as in the whole simulation. A VM's private
     * cache sees its own accesses alone, so the shards' hits and accesses add up to the whole
     * fleet's exactly, row for row and point for point. The shared cache is one stream of every
     * VM's accesses and cannot be cut so: a shard has no shared rows, curve or SHARDS estimate.
     * The sizes must be given (the default ones come from the shared stream's footprint); the
     * LRU curve's sizes are spread up to the device, which every shard knows, rather than the footprint.
     */
    public static CacheSimResult runShard(Config c, Shard shard) {
        if (c.sizes() == null) {
            throw new IllegalArgumentException("a shard needs its sizes: the default ones come from the whole fleet's footprint");
        }
        List<PageTrace> traces = onOneDevice(c);
        long devicePages = traces.get(0).deviceSectors() / PageTrace.SECTORS_PER_PAGE;
        int[] vms = shard.vms(c.vms());
        StackDistances[] own = new StackDistances[vms.length];
        for (int j = 0; j < vms.length; j++) {
            own[j] = new StackDistances();
        }
        PrivateCaches caches = new PrivateCaches(c.policies(), c.sizes(), c.vms(), vms.length);
        List<VmStream> streams = new ArrayList<>();
        for (VmStream s : streams(traces, c)) {
            if (shard.has(s.vm)) {
                streams.add(s);
            }
        }
        long[] accesses = {0};
        long records = drive(streams, (vm, page) -> {
            int j = vm / shard.count(); // vm = index + j * count, index < count
            own[j].access(page);
            caches.access(j, page);
            accesses[0]++;
        });
        long[] curveSizes = curveSizes(devicePages, c.vms(), c.sizes());
        List<String> names = new ArrayList<>();
        for (PageTrace t : c.traces()) {
            names.add(t.name);
        }
        CacheSimResult.Stream stream = new CacheSimResult.Stream(names, vms.length, c.shiftTime().name().toLowerCase(Locale.ROOT),
                c.shiftSpace().name().toLowerCase(Locale.ROOT), records, accesses[0], null);
        return new CacheSimResult(caches.rows(), List.of(privateCurve(curveSizes, own, c.vms(), accesses[0])), null, stream);
    }

    /** The traces on one device: the largest any of them reaches. */
    private static List<PageTrace> onOneDevice(Config c) {
        long device = 0;
        for (PageTrace t : c.traces()) {
            device = Math.max(device, t.deviceSectors());
        }
        if (device / PageTrace.SECTORS_PER_PAGE > Integer.MAX_VALUE) {
            throw new UbdException(c.traces().get(0).name + ": the traces reach past 8 TiB, more than the simulator's page numbers");
        }
        List<PageTrace> traces = new ArrayList<>();
        for (PageTrace t : c.traces()) {
            traces.add(t.onDevice(device));
        }
        return traces;
    }

    private static List<VmStream> streams(List<PageTrace> traces, Config c) {
        List<VmStream> out = new ArrayList<>();
        for (int vm = 0; vm < c.vms(); vm++) {
            PageTrace t = traces.get(vm % traces.size());
            out.add(new VmStream(vm, t, VmPlacement.of(vm, c.vms(), traces.size(), t, c.shiftTime(), c.shiftSpace(), c.seed())));
        }
        return out;
    }

    /** Round robin, one record per VM per turn, until every VM has replayed its trace; the records replayed. */
    private static long drive(List<VmStream> streams, VmStream.PageSink sink) {
        VmStream[] live = streams.toArray(new VmStream[0]);
        int n = live.length;
        long records = 0;
        while (n > 0) {
            int kept = 0;
            for (int i = 0; i < n; i++) {
                VmStream s = live[i];
                if (!s.done()) {
                    s.next(sink);
                    records++;
                    live[kept++] = s;
                }
            }
            n = kept;
        }
        return records;
    }

    /** Seven sizes, from 1/64 of the footprint to all of it (at least a page per VM). */
    static long[] defaultSizes(long footprint, int vms) {
        long[] out = new long[7];
        for (int i = 0; i < out.length; i++) {
            long pages = Math.max(vms, (footprint >> (6 - i)));
            out[i] = pages * PageTrace.PAGE;
        }
        return Arrays.stream(out).distinct().toArray();
    }

    /** Log-spaced from a page per VM to the footprint, and the simulated sizes, so the curves pass through the rows. */
    static long[] curveSizes(long footprint, int vms, long[] simulated) {
        long lo = Math.max(1, vms);
        long hi = Math.max(lo, footprint);
        long[] out = new long[CURVE_POINTS];
        for (int i = 0; i < CURVE_POINTS; i++) {
            double pages = lo * Math.pow((double) hi / lo, (double) i / (CURVE_POINTS - 1));
            out[i] = Math.round(pages) * PageTrace.PAGE;
        }
        return java.util.stream.LongStream.concat(Arrays.stream(out), Arrays.stream(simulated)).sorted().distinct().toArray();
    }

    private static CacheSimResult.Curve curve(String mode, long[] sizes, long[] cumulative, long accesses) {
        List<CacheSimResult.Point> points = new ArrayList<>();
        for (long bytes : sizes) {
            long hits = StackDistances.hits(cumulative, bytes / PageTrace.PAGE);
            points.add(new CacheSimResult.Point(bytes, hits, ratio(hits, accesses)));
        }
        return new CacheSimResult.Curve("lru", mode, points);
    }

    /** LRU's private curve of the VMs {@code own} (some or all of a fleet of {@code fleet}), each cache a 1/fleet of a size. */
    private static CacheSimResult.Curve privateCurve(long[] sizes, StackDistances[] own, int fleet, long accesses) {
        long[][] cumulative = new long[own.length][];
        for (int vm = 0; vm < own.length; vm++) {
            cumulative[vm] = own[vm].cumulativeHits();
        }
        List<CacheSimResult.Point> points = new ArrayList<>();
        for (long bytes : sizes) {
            long perVm = bytes / PageTrace.PAGE / fleet;
            long hits = 0;
            for (long[] c : cumulative) {
                hits += StackDistances.hits(c, perVm);
            }
            points.add(new CacheSimResult.Point(bytes, hits, ratio(hits, accesses)));
        }
        return new CacheSimResult.Curve("lru", PRIVATE, points);
    }

    private static CacheSimResult.Sampled sampled(Shards shards, CacheSimResult.Curve exact) {
        long[] pages = exact.points().stream().mapToLong(p -> p.sizeBytes() / PageTrace.PAGE).toArray();
        double[] estimate = shards.hitRatios(pages);
        List<CacheSimResult.SampledPoint> points = new ArrayList<>();
        double sum = 0;
        double max = 0;
        int counted = 0;
        long from = (long) Math.ceil(Shards.MIN_SAMPLED_PAGES / shards.rate()) * PageTrace.PAGE;
        for (int i = 0; i < pages.length; i++) {
            double truth = exact.points().get(i).hitRatio();
            points.add(new CacheSimResult.SampledPoint(exact.points().get(i).sizeBytes(), estimate[i], truth));
            if (exact.points().get(i).sizeBytes() >= from) {
                double e = Math.abs(estimate[i] - truth);
                sum += e;
                max = Math.max(max, e);
                counted++;
            }
        }
        return new CacheSimResult.Sampled("shards-fixed-rate-adjusted", "lru", SHARED, shards.rate(), shards.sampledAccesses(), points,
                from, counted, counted == 0 ? Double.NaN : sum / counted, counted == 0 ? Double.NaN : max);
    }

    static double ratio(long hits, long accesses) {
        return accesses == 0 ? 0 : (double) hits / accesses;
    }

    /** Every policy at every size, shared and (with several VMs) private. */
    private static final class Simulators {
        private final List<CachePolicy> policies;
        private final long[] sizes;
        private final int vms;
        private final CacheSimulator[] shared;
        /** [policy x size][vm] */
        private final CacheSimulator[][] own;

        Simulators(List<CachePolicy> policies, long[] sizes, int vms) {
            this.policies = policies;
            this.sizes = sizes;
            this.vms = vms;
            int n = policies.size() * sizes.length;
            shared = new CacheSimulator[n];
            own = new CacheSimulator[vms > 1 ? n : 0][];
            for (int p = 0; p < policies.size(); p++) {
                for (int s = 0; s < sizes.length; s++) {
                    int i = p * sizes.length + s;
                    shared[i] = new CacheSimulator(pages(sizes[s], 1), policies.get(p));
                    if (vms > 1) {
                        own[i] = new CacheSimulator[vms];
                        for (int vm = 0; vm < vms; vm++) {
                            own[i][vm] = new CacheSimulator(pages(sizes[s], vms), policies.get(p));
                        }
                    }
                }
            }
        }

        static int pages(long bytes, int vms) {
            return (int) (bytes / PageTrace.PAGE / vms);
        }

        void access(int vm, long page) {
            for (CacheSimulator s : shared) {
                s.access(page);
            }
            for (CacheSimulator[] o : own) {
                o[vm].access(page);
            }
        }

        List<CacheSimResult.Row> rows() {
            List<CacheSimResult.Row> out = new ArrayList<>();
            for (int p = 0; p < policies.size(); p++) {
                for (int s = 0; s < sizes.length; s++) {
                    int i = p * sizes.length + s;
                    String name = policies.get(p).cliName();
                    out.add(row(name, sizes[s], SHARED, shared[i].hits(), shared[i].hits() + shared[i].misses()));
                    if (vms > 1) {
                        long hits = 0;
                        long all = 0;
                        for (CacheSimulator o : own[i]) {
                            hits += o.hits();
                            all += o.hits() + o.misses();
                        }
                        out.add(row(name, sizes[s], PRIVATE, hits, all));
                    }
                }
            }
            return out;
        }

        private CacheSimResult.Row row(String policy, long bytes, String mode, long hits, long accesses) {
            return new CacheSimResult.Row(policy, bytes, vms, mode, accesses, hits, ratio(hits, accesses));
        }
    }

    /** A shard's private caches: every policy at every size, a cache of size / fleet for each of its VMs. */
    private static final class PrivateCaches {
        private final List<CachePolicy> policies;
        private final long[] sizes;
        private final int vms;
        /** [policy x size][the shard's j-th VM] */
        private final CacheSimulator[][] own;

        PrivateCaches(List<CachePolicy> policies, long[] sizes, int fleet, int vms) {
            this.policies = policies;
            this.sizes = sizes;
            this.vms = vms;
            own = new CacheSimulator[policies.size() * sizes.length][];
            for (int p = 0; p < policies.size(); p++) {
                for (int s = 0; s < sizes.length; s++) {
                    CacheSimulator[] o = new CacheSimulator[vms];
                    for (int j = 0; j < vms; j++) {
                        o[j] = new CacheSimulator(Simulators.pages(sizes[s], fleet), policies.get(p));
                    }
                    own[p * sizes.length + s] = o;
                }
            }
        }

        void access(int j, long page) {
            for (CacheSimulator[] o : own) {
                o[j].access(page);
            }
        }

        List<CacheSimResult.Row> rows() {
            List<CacheSimResult.Row> out = new ArrayList<>();
            for (int p = 0; p < policies.size(); p++) {
                for (int s = 0; s < sizes.length; s++) {
                    long hits = 0;
                    long all = 0;
                    for (CacheSimulator o : own[p * sizes.length + s]) {
                        hits += o.hits();
                        all += o.hits() + o.misses();
                    }
                    out.add(new CacheSimResult.Row(policies.get(p).cliName(), sizes[s], vms, PRIVATE, all, hits, ratio(hits, all)));
                }
            }
            return out;
        }
    }

    /** The shared stream as text, one page number a line (the input libCacheSim's cachesim reads). */
    private static final class PageDump implements AutoCloseable {
        private final Path path;
        private final BufferedWriter out;

        PageDump(Path path) {
            this.path = path;
            try {
                out = Files.newBufferedWriter(path);
            } catch (IOException e) {
                throw new UbdException(path + ": cannot write the page stream: " + e.getMessage(), e);
            }
        }

        void write(long page) {
            try {
                out.write(Long.toString(page));
                out.write('\n');
            } catch (IOException e) {
                throw new UbdException(path + ": cannot write the page stream: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UbdException(path + ": cannot write the page stream: " + e.getMessage(), e);
            }
        }
    }
}
