package org.ubdjava.harness.cachesim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.cache.CacheSimulator;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReaders;

class CacheSimTest {
    static PageTrace iolog(String... ops) {
        StringBuilder b = new StringBuilder("fio version 3 iolog\n0 d.img add\n0 d.img open\n");
        int t = 1;
        for (String op : ops) {
            b.append(t++).append(" d.img ").append(op).append('\n');
        }
        var reader = TraceReaders.open(Path.of("t.iolog"), new ByteArrayInputStream(b.toString().getBytes(StandardCharsets.US_ASCII)),
                TraceFormat.FIO_IOLOG);
        try (reader) {
            return PageTrace.read(reader, Long.MAX_VALUE);
        }
    }

    static CacheSimResult run(List<PageTrace> traces, int vms, Shift time, Shift space, long... sizes) {
        return CacheSim.run(new CacheSim.Config(traces, List.of(CachePolicy.LRU), sizes, vms, time, space, 1, 0, null));
    }

    static CacheSimResult.Row row(CacheSimResult r, String mode, long size) {
        return r.results().stream().filter(x -> x.mode().equals(mode) && x.sizeBytes() == size).findFirst().orElseThrow();
    }

    @Test
    void stackDistancesGiveExactlyLrusHitsAtEverySizeThroughManyRenumberings() {
        SplittableRandom r = new SplittableRandom(11);
        long[] stream = new long[300_000]; // > 4 renumberings of the 65,536 times
        for (int i = 0; i < stream.length; i++) {
            stream[i] = r.nextInt(3) == 0 ? r.nextInt(5000) : r.nextInt(300);
        }
        StackDistances sd = new StackDistances();
        for (long p : stream) {
            sd.access(p);
        }
        long[] cumulative = sd.cumulativeHits();
        for (int size : new int[] {1, 2, 7, 100, 299, 300, 1000, 4999, 5000, 9000}) {
            CacheSimulator lru = new CacheSimulator(size, CachePolicy.LRU);
            for (long p : stream) {
                lru.access(p);
            }
            assertEquals(lru.hits(), StackDistances.hits(cumulative, size), "size " + size);
        }
        assertEquals(5000, sd.footprint());
    }

    @Test
    void aPageTheVmWroteNeverReachesTheBackingCacheUnlessTheReadWantsSectorsItDidNotWrite() {
        PageTrace t = iolog(
                "write 0 4096",      // page 0 whole
                "read 0 8192",       // page 0 from the COW file, page 1 from backing
                "write 8192 512",    // first sector of page 2
                "read 8192 512",     // only that sector: COW
                "read 8192 4096",    // wants 7 more sectors: backing
                "write 8704 3584",   // the rest of page 2
                "read 8192 4096");   // now all COW
        CacheSimResult r = run(List.of(t), 1, Shift.NONE, Shift.NONE, 1 << 20);
        CacheSimResult.Row shared = row(r, CacheSim.SHARED, 1 << 20);
        assertEquals(2, shared.accesses(), "page 1 once and page 2 once: " + r.results());
        assertEquals(0, shared.hits());
    }

    @Test
    void vmsSharingOneCacheHitWhatPrivateCachesMiss() {
        PageTrace t = iolog("read 0 16384");
        CacheSimResult r = run(List.of(t), 2, Shift.NONE, Shift.NONE, 4 * 4096);
        assertEquals(new CacheSimResult.Row("lru", 16384, 2, "shared", 8, 4, 0.5), row(r, CacheSim.SHARED, 16384));
        assertEquals(new CacheSimResult.Row("lru", 16384, 2, "private", 8, 0, 0.0), row(r, CacheSim.PRIVATE, 16384));
        assertEquals(1, r.results().stream().filter(x -> x.mode().equals("private")).count());
    }

    @Test
    void aVmsWritesHideOnlyItsOwnReadsAndShiftsInSpaceWrapAroundTheDevice() {
        PageTrace t = iolog("write 0 4096", "read 0 8192", "read 4096 512");
        CacheSimResult r = CacheSim.run(new CacheSim.Config(List.of(t), List.of(CachePolicy.LRU), new long[] {8192}, 2, Shift.NONE,
                Shift.EVEN, 1, 0, null));
        // VM 0 reads page 1, then page 1 again (a hit); VM 1, shifted by a page, wrote page 1, reads page 0 (its read wraps
        // past the device's end), then page 0 again (4096 + 4096 wraps to 0: a hit)
        CacheSimResult.Row shared = row(r, CacheSim.SHARED, 8192);
        assertEquals(4, shared.accesses());
        assertEquals(2, shared.hits());
    }

    @Test
    void oneTracePerVmAndTheShippedTracesByDefault() {
        PageTrace a = iolog("read 0 4096", "read 0 4096");
        PageTrace b = iolog("read 4096 4096");
        CacheSimResult r = run(List.of(a, b), 3, Shift.NONE, Shift.NONE, 3 * 4096);
        // VMs 0 and 2 replay a, VM 1 replays b: turn 1: 0, 4096, 0 (hit); turn 2: 0 (hit), 0 (hit)
        CacheSimResult.Row shared = row(r, CacheSim.SHARED, 3 * 4096);
        assertEquals(5, shared.accesses());
        assertEquals(3, shared.hits());
        assertEquals(2, row(r, CacheSim.PRIVATE, 3 * 4096).hits());
        assertEquals(List.of("t.iolog", "t.iolog"), r.stream().traces());
    }

    @Test
    void shardsAtFullRateIsTheExactCurveAndAtTenPercentCloseOnceTheSampleHoldsAFewDozenPages() {
        long[] stream = ReferenceStreams.zipf(300_000, 30_000, 0.9, 5);
        StackDistances exact = new StackDistances();
        Shards all = new Shards(1.0);
        Shards tenth = new Shards(0.1);
        for (long p : stream) {
            exact.access(p);
            all.access(p);
            tenth.access(p);
        }
        long[] sizes = {10, 100, 1000, 5000, 20000};
        double[] full = all.hitRatios(sizes);
        double[] est = tenth.hitRatios(sizes);
        long[] cumulative = exact.cumulativeHits();
        for (int i = 0; i < sizes.length; i++) {
            double truth = (double) StackDistances.hits(cumulative, sizes[i]) / stream.length;
            assertEquals(truth, full[i], 1e-12);
            if (sizes[i] * 0.1 >= Shards.MIN_SAMPLED_PAGES) {
                assertEquals(truth, est[i], 0.02, "size " + sizes[i] + " (a 30,000-page law sampled at 0.1 keeps 3,000 pages)");
            }
        }
        double share = (double) tenth.sampledPages() / exact.footprint();
        assertTrue(share > 0.09 && share < 0.11, "a tenth of the pages sampled: " + share);
    }

    @Test
    void everyPolicyAndTheCurvesAgreeOnLruAndSizesDefaultToTheFootprint() {
        PageTrace t;
        try (var reader = ShippedTraces.open("zipf.iolog")) {
            t = PageTrace.read(reader, Long.MAX_VALUE);
        }
        List<CachePolicy> all = new ArrayList<>(List.of(CachePolicy.values()));
        all.remove(CachePolicy.NONE);
        CacheSimResult r = CacheSim.run(new CacheSim.Config(List.of(t), all, null, 4, Shift.EVEN, Shift.NONE, 1, 0.5, null));
        long footprint = r.stream().footprintPages();
        assertEquals(7 * all.size() * 2, r.results().size());
        assertTrue(r.results().stream().anyMatch(x -> x.sizeBytes() == footprint * 4096));
        for (CacheSimResult.Curve c : r.curves()) {
            int matched = 0;
            for (CacheSimResult.Row row : r.results()) {
                if (row.policy().equals("lru") && row.mode().equals(c.mode())) {
                    CacheSimResult.Point p = c.points().stream().filter(x -> x.sizeBytes() == row.sizeBytes()).findFirst().orElseThrow();
                    assertEquals(row.hits(), p.hits(), "simulated LRU and the stack-distance curve, " + c.mode() + " " + row.sizeBytes());
                    matched++;
                }
            }
            assertEquals(7, matched, c.mode());
        }
        assertTrue(r.sample().maxAbsError() < 0.05, "SHARDS at 0.5: " + r.sample());
    }
}
