package org.ubdjava.bench.jmh;

import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.ubdjava.core.bitmap.BitmapRuns;
import org.ubdjava.core.bitmap.CowBitmap;

/**
 * Bitmap operations over a 10 GiB device (20,971,520 sectors, a 2.5 MiB bitmap): a full scan of
 * the set runs (what merge, map and check do), random tests (the read path) and range sets (the
 * write path). java.util.BitSet in the same run is the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED"})
public class BitmapScanBenchmark {
    static final long SECTORS = 10L * 1024 * 1024 * 1024 / 512;

    /** Fraction of the device written, in 8-sector (4 KiB) runs. */
    @Param({"0.001", "0.1", "0.5"})
    double fill;

    CowBitmap bitmap;
    BitSet bitSet;
    BitmapRuns runs;
    long[] probes;
    int probe;

    @Setup
    public void setUp() {
        bitmap = new CowBitmap(SECTORS, SECTORS / 8);
        runs = new BitmapRuns(bitmap);
        bitSet = new BitSet((int) SECTORS);
        SplittableRandom rnd = new SplittableRandom(42);
        long runs = (long) (SECTORS / 8 * fill);
        for (long i = 0; i < runs; i++) {
            long s = rnd.nextLong(SECTORS / 8) * 8;
            bitmap.setRange(s, s + 8);
            bitSet.set((int) s, (int) s + 8);
        }
        probes = new long[1 << 16];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = rnd.nextLong(SECTORS);
        }
    }

    @Benchmark
    public long scanRuns() {
        long n = 0;
        BitmapRuns r = runs.over(0, SECTORS);
        while (r.nextSet()) {
            n += r.end() - r.start();
        }
        return n;
    }

    @Benchmark
    public long scanRunsBitSet() {
        long n = 0;
        for (int s = bitSet.nextSetBit(0); s >= 0; ) {
            int end = bitSet.nextClearBit(s);
            n += end - s;
            s = bitSet.nextSetBit(end);
        }
        return n;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean testRandom() {
        return bitmap.get(probes[probe++ & (probes.length - 1)]);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean testRandomBitSet() {
        return bitSet.get((int) probes[probe++ & (probes.length - 1)]);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean setRange4k() {
        long s = probes[probe++ & (probes.length - 1)] & ~7L;
        return bitmap.setRange(s, s + 8);
    }

    @Benchmark
    public long cardinality() {
        return bitmap.cardinality();
    }
}
