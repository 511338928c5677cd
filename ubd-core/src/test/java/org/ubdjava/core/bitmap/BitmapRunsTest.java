package org.ubdjava.core.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The run cursor against a model: every sector of the range in exactly one run, runs maximal, in order. */
class BitmapRunsTest {
    /** The runs a sector-by-sector walk finds: {start, end, set}. */
    static List<List<Long>> model(CowBitmap bm, long from, long to) {
        List<List<Long>> runs = new ArrayList<>();
        for (long s = from; s < to; ) {
            boolean set = s < bm.bits() && bm.get(s);
            long e = s;
            while (e < to && (e < bm.bits() && bm.get(e)) == set) {
                e++;
            }
            runs.add(List.of(s, e, set ? 1L : 0L));
            s = e;
        }
        return runs;
    }

    static CowBitmap bitmap(long bits, List<Integer> runs) {
        CowBitmap bm = new CowBitmap(bits, (bits + 7) / 8);
        for (int i = 0; i + 1 < runs.size(); i += 2) {
            long s = runs.get(i) % Math.max(1, bits);
            bm.setRange(s, Math.min(bits, s + runs.get(i + 1)));
        }
        return bm;
    }

    @Property(tries = 300)
    void runsAreTheModelsRuns(@ForAll @IntRange(min = 0, max = 40_000) int bits,
                              @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 40_000) Integer> setRuns,
                              @ForAll @IntRange(min = 0, max = 41_000) int a, @ForAll @IntRange(min = 0, max = 41_000) int b) {
        CowBitmap bm = bitmap(bits, setRuns);
        long from = Math.min(a, b);
        long to = Math.max(a, b);
        List<List<Long>> want = model(bm, from, to);
        BitmapRuns runs = new BitmapRuns(bm).over(from, to);
        List<List<Long>> all = new ArrayList<>();
        while (runs.next()) {
            all.add(List.of(runs.start(), runs.end(), runs.set() ? 1L : 0L));
        }
        assertEquals(want, all);
        List<List<Long>> set = new ArrayList<>();
        runs.over(from, to);
        while (runs.nextSet()) {
            set.add(List.of(runs.start(), runs.end(), 1L));
        }
        assertEquals(want.stream().filter(r -> r.get(2) == 1L).toList(), set);
        assertFalse(runs.nextSet());
    }

    @Test
    void sparseBitmapsAndRangesPastTheBitsCountAsClear() {
        CowBitmap bm = new CowBitmap(1 << 20, 1 << 17); // 256 pages, two of them present
        bm.setRange(7, 9);
        bm.setRange(900_000, 900_100);
        BitmapRuns runs = new BitmapRuns(bm).over(0, (1 << 20) + 512);
        List<String> got = new ArrayList<>();
        while (runs.next()) {
            got.add(runs.start() + "-" + runs.end() + (runs.set() ? "c" : "b"));
        }
        assertEquals(List.of("0-7b", "7-9c", "9-900000b", "900000-900100c", "900100-1049088b"), got);
    }
}
