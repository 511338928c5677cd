package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ubdjava.harness.trace.SampleTraces.readAll;
import static org.ubdjava.harness.trace.SampleTraces.rec;
import static org.ubdjava.harness.trace.TraceOp.FLUSH;
import static org.ubdjava.harness.trace.TraceOp.READ;
import static org.ubdjava.harness.trace.TraceOp.WRITE;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceVscsiTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void recordsOfBothVersions(int version) {
        byte[] trace = new VscsiBytes(version)
                .add(0x2a, 65536, 100, 5_000_000)
                .add(0x28, 4096, 8, 5_000_010)
                .add(0x12, 36, 0, 5_000_020) // INQUIRY: not I/O
                .add(0x08, 512, 1, 5_000_030)
                .add(0x8a, 8192, 1L << 33, 5_000_040)
                .add(0x35, 0, 0, 5_000_050)
                .add(0xaa, 1024, 2, 4_000_000) // clock went backwards: 0, not negative
                .bytes();
        try (TraceReader reader = TraceReaders.open(Path.of("v.vscsi"), new ByteArrayInputStream(trace), TraceFormat.VSCSI)) {
            assertEquals(version, ((VscsiReader) reader).version());
            assertEquals(List.of(
                    rec(0, WRITE, 51200, 65536, 1),
                    rec(10, READ, 4096, 4096, 2),
                    rec(30, READ, 512, 512, 4),
                    rec(40, WRITE, (1L << 33) * 512, 8192, 5),
                    rec(50, FLUSH, 0, 0, 6),
                    rec(0, WRITE, 1024, 1024, 7)), SampleTraces.drain(reader));
            assertEquals(1, reader.skipped().count(VscsiReader.OTHER_COMMANDS));
        }
    }

    @Test
    void truncatedLastRecord() {
        byte[] trace = new VscsiBytes(1).add(0x2a, 512, 0, 1).add(0x2a, 512, 1, 2).add(0x28, 512, 2, 3).bytes();
        byte[] cut = Arrays.copyOf(trace, trace.length - 5);
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(cut, TraceFormat.VSCSI));
        assertEquals("t.trace: record 3: vscsi v1: truncated record: 27 of 32 bytes at the end of the file", e.getMessage());
    }

    @Test
    void fileShorterThanARecord() {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(new byte[20], TraceFormat.VSCSI));
        assertEquals("t.trace: record 1: vscsi: truncated record: the file has 20 bytes, a record 32 (v1) or 40 (v2)",
                e.getMessage());
    }

    @Test
    void badVersionFieldInALaterRecord() {
        byte[] trace = new VscsiBytes(2).add(0x2a, 512, 0, 1).add(0x2a, 512, 1, 2).add(0x28, 0x0100, 512, 2, 3).bytes();
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(trace, TraceFormat.VSCSI));
        assertEquals("t.trace: record 3: vscsi v2: version field 0x0100, expected 0x02xx like the first records",
                e.getMessage());
    }

    @Test
    void notVscsiAtAll() {
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> readAll(new byte[100], TraceFormat.VSCSI));
        assertEquals("t.trace: record 1: vscsi: not a vscsi record: version field 0x0000 (v1, at byte 14) / 0x0000"
                + " (v2, at byte 2), expected 0x01xx or 0x02xx", e.getMessage());
    }

    @Test
    void emptyFileHasNoRecords() {
        assertEquals(List.of(), readAll(new byte[0], TraceFormat.VSCSI));
    }

    /** The published CloudPhysics trace, read in full: its request and read counts as published with it. */
    @Test
    void realCloudPhysicsTrace() {
        Optional<Path> trace = SampleTraces.realVscsiTrace();
        if (trace.isEmpty()) {
            System.err.println("*** TRACE TESTS SKIPPED: cloudPhysicsIO.vscsi not found (" + SampleTraces.VSCSI_TRACE_PLACES + ")");
        }
        Assumptions.assumeTrue(trace.isPresent(), "cloudPhysicsIO.vscsi not found");
        assertEquals(TraceFormat.VSCSI, TraceFormat.detect(trace.get()));
        long requests = 0;
        long reads = 0;
        long writes = 0;
        long maxByte = 0;
        long lastTime = 0;
        TraceRecord.Mutable r = new TraceRecord.Mutable();
        try (TraceReader reader = TraceReaders.open(trace.get())) {
            while (reader.next(r)) {
                requests++;
                if (r.op() == READ) {
                    reads++;
                } else if (r.op() == WRITE) {
                    writes++;
                }
                maxByte = Math.max(maxByte, r.end());
                lastTime = Math.max(lastTime, r.timestampMicros());
                assertEquals(requests, r.position());
            }
            assertEquals(0, reader.skipped().total());
            assertEquals(1, ((VscsiReader) reader).version());
        }
        assertEquals(113_872, requests);
        assertEquals(66_898, writes);
        assertEquals(46_974, reads);
        assertEquals(33_584_938_496L, maxByte);
        assertEquals(7200, Math.round(lastTime / 1e6 / 100) * 100, "about 7,200 s of wall time");
    }
}
