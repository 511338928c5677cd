package org.ubdjava.harness.shard;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.ubdjava.harness.cachesim.CacheSimReport;
import org.ubdjava.harness.cachesim.CacheSimResult;
import org.ubdjava.harness.replay.Shard;
import org.ubdjava.harness.report.Json;

/**
 * The private caches of a cache simulation from its shards: each VM's cache saw its own accesses
 * alone, so the fleet's hits and accesses at a size are the shards' added up, and the hit ratio
 * is computed again from the sums (never averaged). Each shard must have simulated the run's
 * sizes and policies on exactly its VMs.
 */
final class CacheSimMerge {
    private CacheSimMerge() {
    }

    /** A row's place: a policy at a size. */
    private record Key(String policy, long sizeBytes) {
    }

    static MergedCacheSim figures(ShardMerge.Gathered g) {
        RunIdentity run = g.run();
        List<String> problems = new ArrayList<>(g.problems());
        Map<Key, long[]> rows = new LinkedHashMap<>();
        Map<Long, long[]> curve = new LinkedHashMap<>();
        List<MergedCacheSim.ShardLine> lines = new ArrayList<>();
        int vms = 0;
        long records = 0;
        long accesses = 0;
        CacheSimResult first = null;
        for (ShardMerge.Found f : g.ended()) {
            int k = f.record().shard();
            String at = "shard " + k + " (" + f.dir() + ")";
            CacheSimResult r;
            try {
                r = read(f, run);
            } catch (IOException | RuntimeException e) {
                problems.add(at + ": result unreadable: " + ShardMerge.why(e));
                continue;
            }
            if (first == null) {
                first = r;
                for (CacheSimResult.Row row : r.results()) {
                    rows.put(new Key(row.policy(), row.sizeBytes()), new long[2]);
                }
                for (CacheSimResult.Point p : r.curves().get(0).points()) {
                    curve.put(p.sizeBytes(), new long[1]);
                }
            }
            if (!sameShape(r, rows, curve)) {
                problems.add(at + ": its rows or curve are not at the run's policies and sizes");
                continue;
            }
            for (CacheSimResult.Row row : r.results()) {
                long[] sum = rows.get(new Key(row.policy(), row.sizeBytes()));
                sum[0] += row.hits();
                sum[1] += row.accesses();
            }
            for (CacheSimResult.Point p : r.curves().get(0).points()) {
                curve.get(p.sizeBytes())[0] += p.hits();
            }
            vms += r.stream().vms();
            records += r.stream().records();
            accesses += r.stream().accesses();
            lines.add(new MergedCacheSim.ShardLine(k, f.dir().toString(), f.record().host(), r.stream().vms(), r.stream().accesses()));
        }
        if (first == null) {
            throw new org.ubdjava.core.UbdException("no shard of the run has a result to merge: " + String.join("; ", problems));
        }
        List<CacheSimResult.Row> merged = new ArrayList<>();
        for (Map.Entry<Key, long[]> e : rows.entrySet()) {
            long[] sum = e.getValue();
            merged.add(new CacheSimResult.Row(e.getKey().policy(), e.getKey().sizeBytes(), vms, first.results().get(0).mode(), sum[1],
                    sum[0], ratio(sum[0], sum[1])));
        }
        List<CacheSimResult.Point> points = new ArrayList<>();
        for (Map.Entry<Long, long[]> e : curve.entrySet()) {
            points.add(new CacheSimResult.Point(e.getKey(), e.getValue()[0], ratio(e.getValue()[0], accesses)));
        }
        CacheSimResult.Curve c = first.curves().get(0);
        CacheSimResult.Stream s = first.stream();
        CacheSimResult result = new CacheSimResult(merged, List.of(new CacheSimResult.Curve(c.policy(), c.mode(), points)), null,
                new CacheSimResult.Stream(s.traces(), vms, s.shiftTime(), s.shiftSpace(), records, accesses, null));
        return new MergedCacheSim(result, problems.isEmpty(), problems,
                new MergedCacheSim.Merge(run.shards(), lines.size(), run, lines));
    }

    /** A shard's report, checked to be that shard's: its VMs' count, private caches only, one curve. */
    private static CacheSimResult read(ShardMerge.Found f, RunIdentity run) throws IOException {
        if (!Files.exists(f.dir().resolve(CacheSimReport.REPORT_JSON))) {
            throw new IOException("no " + CacheSimReport.REPORT_JSON + " although " + ShardFiles.RECORD + " says the shard ended");
        }
        CacheSimResult r = Json.mapper().readValue(f.dir().resolve(CacheSimReport.REPORT_JSON).toFile(), CacheSimResult.class);
        int expected = new Shard(f.record().shard(), run.shards()).vmsOf(run.vms());
        if (r.stream() == null || r.stream().vms() != expected || r.stream().footprintPages() != null || r.curves().size() != 1
                || r.sample() != null) {
            throw new IOException(CacheSimReport.REPORT_JSON + " is not the private caches of shard " + f.record().shard() + "/"
                    + run.shards() + "'s " + expected + " VMs");
        }
        return r;
    }

    private static boolean sameShape(CacheSimResult r, Map<Key, long[]> rows, Map<Long, long[]> curve) {
        if (r.results().size() != rows.size() || r.curves().get(0).points().size() != curve.size()) {
            return false;
        }
        for (CacheSimResult.Row row : r.results()) {
            if (!rows.containsKey(new Key(row.policy(), row.sizeBytes()))) {
                return false;
            }
        }
        for (CacheSimResult.Point p : r.curves().get(0).points()) {
            if (!curve.containsKey(p.sizeBytes())) {
                return false;
            }
        }
        return true;
    }

    private static double ratio(long hits, long accesses) {
        return accesses == 0 ? 0 : (double) hits / accesses;
    }
}
