package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.ubdjava.testsupport.ByteMutation;
import org.ubdjava.core.testing.FuzzOutcome;
import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every trace reader, through TraceReaders.open on a file, on the sample traces mutated (bit
 * flips, cuts, extensions, numbers overwritten with boundary values): detection and each format
 * read the whole file or fail with the project's exception in one line, within a time bound, and
 * write nothing.
 */
@Tag("fuzz")
class FuzzTraceReadersTest {
    static final List<String> SAMPLES = List.of("alibaba-sample.csv", "blkparse-sample.txt", "fio-v2-handmade.iolog",
            "fio-v2-randrw.iolog", "fio-v3-randrw.iolog", "fio-v3-trimwrite.iolog", "msr-sample.csv");

    static Path dir;
    static Path trace;
    static List<Sample> samples;

    /** A sample trace, printed by name in a failing case. */
    record Sample(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeContainer
    static void load() throws IOException {
        dir = Files.createTempDirectory("fuzz-trace");
        trace = dir.resolve("t.trace");
        samples = new ArrayList<>();
        for (String name : SAMPLES) {
            samples.add(new Sample(name, Files.readAllBytes(SampleTraces.resource(name))));
        }
        for (int version = 1; version <= 2; version++) {
            VscsiBytes v = new VscsiBytes(version);
            for (int i = 0; i < 6; i++) {
                v.add(i % 2 == 0 ? 0x28 : 0x2a, 4096L * (i + 1), 8L * i, 1000L * i);
            }
            samples.add(new Sample("vscsi-v" + version, v.bytes()));
        }
    }

    @AfterContainer
    static void remove() throws IOException {
        TempDirs.delete(dir);
    }

    @Property
    void everyReaderReadsOrFailsInOneLine(@ForAll("samples") Sample sample, @ForAll("mutations") List<ByteMutation> mutations)
            throws IOException {
        byte[] input = ByteMutation.applyAll(sample.bytes(), mutations);
        Files.write(trace, input);
        Map<String, Long> before = listing();
        String what = sample + " " + mutations;
        FuzzOutcome.expect(() -> readAll(TraceReaders.open(trace)), what);
        for (TraceFormat format : TraceFormat.values()) {
            FuzzOutcome.expect(() -> readAll(TraceReaders.open(trace, format)), format + " " + what);
        }
        assertEquals(before, listing(), what);
    }

    private static int readAll(TraceReader reader) {
        try (reader) {
            return SampleTraces.drain(reader).size();
        }
    }

    private static Map<String, Long> listing() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.size(p));
            }
        }
        return m;
    }

    @Provide
    Arbitrary<Sample> samples() {
        return Arbitraries.of(samples);
    }

    @Provide
    Arbitrary<List<ByteMutation>> mutations() {
        // field offsets: where numbers sit in the first records of the text samples and the vscsi headers
        return ByteMutation.any(2100, 0, 2, 4, 8, 12, 16, 20, 24, 32, 40, 48).list().ofMinSize(1).ofMaxSize(6);
    }
}
