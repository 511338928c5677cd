package org.ubdjava.harness.trace;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever the input, a reader returns records that keep the record invariants, or throws
 * {@link TraceFormatException}; nothing else (no NumberFormatException, index errors, ...).
 */
class TraceGarbagePropertiesTest {
    private static final String FIO_HEADER = "fio version 2 iolog\n";
    private static final String FIO3_HEADER = "fio version 3 iolog\n";

    @Property(tries = 300)
    void fioV2(@ForAll("fioLines") List<String> lines) {
        survives(FIO_HEADER + String.join("\n", lines), TraceFormat.FIO_IOLOG);
    }

    @Property(tries = 300)
    void fioV3(@ForAll("fioLines") List<String> lines, @ForAll("numbers") List<String> stamps) {
        StringBuilder sb = new StringBuilder(FIO3_HEADER);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(stamps.isEmpty() ? "" : stamps.get(i % stamps.size()) + " ").append(lines.get(i)).append('\n');
        }
        survives(sb.toString(), TraceFormat.FIO_IOLOG);
    }

    @Property(tries = 300)
    void blkparse(@ForAll("blkparseLines") List<String> lines) {
        survives(String.join("\n", lines), TraceFormat.BLKPARSE);
    }

    @Property(tries = 300)
    void msr(@ForAll("msrLines") List<String> lines) {
        survives(String.join("\r\n", lines), TraceFormat.MSR_CSV);
    }

    @Property(tries = 300)
    void alibaba(@ForAll("alibabaLines") List<String> lines) {
        survives(String.join("\n", lines), TraceFormat.ALIBABA_CSV);
    }

    /** Raw bytes into every reader, text or not. */
    @Property(tries = 300)
    void anyBytesIntoAnyFormat(@ForAll @Size(max = 400) byte[] bytes) {
        for (TraceFormat format : TraceFormat.values()) {
            survives(bytes, format);
        }
    }

    /** A valid vscsi trace cut anywhere, or with one byte changed. */
    @Property(tries = 300)
    void vscsiCutOrCorrupted(@ForAll @IntRange(min = 1, max = 2) int version, @ForAll @IntRange(min = 0, max = 400) int cut,
            @ForAll @IntRange(min = 0, max = 399) int flip, @ForAll byte value) {
        VscsiBytes b = new VscsiBytes(version);
        for (int i = 0; i < 10; i++) {
            b.add(i % 2 == 0 ? 0x28 : 0x2a, 4096L * i, 8L * i, 1000L * i);
        }
        byte[] trace = b.bytes();
        byte[] bytes = Arrays.copyOf(trace, Math.min(cut, trace.length));
        if (flip < bytes.length) {
            bytes[flip] = value;
        }
        survives(bytes, TraceFormat.VSCSI);
    }

    @Provide
    Arbitrary<List<String>> fioLines() {
        Arbitrary<String> word = Arbitraries.oneOf(
                Arbitraries.of("add", "open", "close", "read", "write", "sync", "datasync", "trim", "wait", "/dev/sda",
                        "f", "-1", "", " ", "\t", "\r", "\u00ff"),
                numbers().flatMap(ns -> Arbitraries.of(ns)),
                Arbitraries.strings().ofMaxLength(6));
        return line(word, 6);
    }

    @Provide
    Arbitrary<List<String>> blkparseLines() {
        Arbitrary<String> word = Arbitraries.oneOf(
                Arbitraries.of("8,0", "259,1", "Q", "D", "C", "R", "W", "WS", "FWS", "FN", "N", "D", "RA", "FWFSM", "+",
                        "[x]", "(", "12)", "0.000001", "1.", ".5", "CPU0", "(8,0):", "Total", "", "\u0000"),
                numbers().flatMap(ns -> Arbitraries.of(ns)),
                Arbitraries.strings().ofMaxLength(6));
        return line(word, 11);
    }

    @Provide
    Arbitrary<List<String>> msrLines() {
        Arbitrary<String> field = Arbitraries.oneOf(
                Arbitraries.of("Read", "Write", "read", "hm", "", " ", "Timestamp"),
                numbers().flatMap(ns -> Arbitraries.of(ns)),
                Arbitraries.strings().ofMaxLength(5));
        return csv(field, 8);
    }

    @Provide
    Arbitrary<List<String>> alibabaLines() {
        Arbitrary<String> field = Arbitraries.oneOf(
                Arbitraries.of("R", "W", "r", "device_id", "", " "),
                numbers().flatMap(ns -> Arbitraries.of(ns)),
                Arbitraries.strings().ofMaxLength(5));
        return csv(field, 6);
    }

    @Provide
    Arbitrary<List<String>> numbers() {
        return Arbitraries.of("0", "1", "512", "4096", "9223372036854775807", "9223372036854775808",
                "18446744073709551615", "99999999999999999999", "-5", "1e3", "0x10", "007").list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<List<String>> line(Arbitrary<String> word, int maxWords) {
        return word.list().ofMaxSize(maxWords).map(ws -> String.join(" ", ws)).list().ofMaxSize(12);
    }

    private static Arbitrary<List<String>> csv(Arbitrary<String> field, int maxFields) {
        return Combinators.combine(field.list().ofMaxSize(maxFields), Arbitraries.of(",", ", "))
                .as((fs, sep) -> String.join(sep, fs)).list().ofMaxSize(12);
    }

    private static void survives(String text, TraceFormat format) {
        survives(text.getBytes(StandardCharsets.ISO_8859_1), format);
    }

    private static void survives(byte[] bytes, TraceFormat format) {
        try {
            // TraceRecord's constructor checks the record invariants
            SampleTraces.readAll(bytes, format);
        } catch (TraceFormatException e) {
            if (e.getMessage().contains("\n") || e.getMessage().contains("\r") || !e.getMessage().startsWith("t.trace")) {
                throw new AssertionError("message not one line naming the file: " + e.getMessage());
            }
        }
    }
}
