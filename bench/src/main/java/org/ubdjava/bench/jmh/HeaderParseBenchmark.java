package org.ubdjava.bench.jmh;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.HeaderV3;

/** Decoding a v3 header and computing its geometry: what every device open pays once. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED"})
public class HeaderParseBenchmark {
    private final ByteBuffer v3 = ByteBuffer.wrap(HeaderV3.encode("/srv/uml/images/debian-12-root_fs.img",
            1614834367L, 10L << 30, 512, 4096));

    @Benchmark
    public long parseV3() {
        CowHeader h = CowHeaderReader.decode(v3.duplicate());
        return h.geometry().dataOffset();
    }

    /** Baseline in the same run: what reading the header into a fresh array costs before any parsing. */
    @Benchmark
    public byte[] copyHeaderBytes() {
        byte[] b = new byte[HeaderV3.SIZE];
        v3.duplicate().get(b);
        return b;
    }
}
