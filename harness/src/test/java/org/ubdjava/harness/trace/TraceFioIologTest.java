package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ubdjava.harness.trace.SampleTraces.readAll;
import static org.ubdjava.harness.trace.SampleTraces.rec;
import static org.ubdjava.harness.trace.SampleTraces.resource;
import static org.ubdjava.harness.trace.TraceOp.DISCARD;
import static org.ubdjava.harness.trace.TraceOp.FLUSH;
import static org.ubdjava.harness.trace.TraceOp.READ;
import static org.ubdjava.harness.trace.TraceOp.WRITE;
import static org.ubdjava.harness.trace.TraceRecord.NO_TIMESTAMP;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TraceFioIologTest {
    /** Recorded by fio 3.33 (see harness/src/main/resources/traces/README.md). */
    @Test
    void realV3RandrwWithSyncs() {
        List<TraceRecord> records = readAll(resource("fio-v3-randrw.iolog"), TraceFormat.FIO_IOLOG);
        assertEquals(List.of(
                rec(125, WRITE, 61440, 4096, 4),
                rec(150, READ, 774144, 4096, 5),
                rec(372, READ, 880640, 4096, 6),
                rec(463, WRITE, 491520, 4096, 7),
                rec(471, WRITE, 417792, 4096, 8),
                rec(474, FLUSH, 0, 0, 9),
                rec(706, WRITE, 884736, 4096, 10),
                rec(709, READ, 397312, 4096, 11),
                rec(786, READ, 368640, 4096, 12),
                rec(860, READ, 954368, 4096, 13),
                rec(934, WRITE, 69632, 4096, 14),
                rec(937, FLUSH, 0, 0, 15),
                rec(1064, WRITE, 892928, 4096, 16),
                rec(1068, FLUSH, 0, 0, 17),
                rec(1144, WRITE, 679936, 4096, 18)), records);
    }

    @Test
    void realV3TrimsAndSkipCounts() {
        try (TraceReader reader = TraceReaders.open(resource("fio-v3-trimwrite.iolog"), TraceFormat.FIO_IOLOG)) {
            List<TraceRecord> records = SampleTraces.drain(reader);
            assertEquals(12, records.size());
            assertEquals(rec(229, DISCARD, 57344, 8192, 4), records.get(0));
            assertEquals(rec(582, WRITE, 57344, 8192, 5), records.get(1));
            assertEquals(rec(2222, WRITE, 884736, 8192, 15), records.get(11));
            assertEquals(6, records.stream().filter(r -> r.op() == DISCARD).count());
            assertEquals(Map.of("fio add", 1L, "fio open", 1L, "fio close", 1L), reader.skipped().byReason());
        }
    }

    /** The v3 recording above with its timestamps cut off, as fio before 3.31 writes it; fio 3.33 replays it. */
    @Test
    void v2HasNoTimestamps() {
        List<TraceRecord> records = readAll(resource("fio-v2-randrw.iolog"), TraceFormat.FIO_IOLOG);
        List<TraceRecord> v3 = readAll(resource("fio-v3-randrw.iolog"), TraceFormat.FIO_IOLOG);
        assertEquals(v3.size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            TraceRecord a = records.get(i);
            TraceRecord b = v3.get(i);
            assertEquals(rec(NO_TIMESTAMP, b.op(), b.offset(), b.length(), b.position()), a);
        }
    }

    @Test
    void handMadeV2WithWaitsBlankLinesAndBareSync() {
        try (TraceReader reader = TraceReaders.open(resource("fio-v2-handmade.iolog"), TraceFormat.FIO_IOLOG)) {
            assertEquals(List.of(
                    rec(NO_TIMESTAMP, WRITE, 0, 65536, 6),
                    rec(NO_TIMESTAMP, READ, 4096, 512, 8),
                    rec(NO_TIMESTAMP, DISCARD, 1048576, 1048576, 10),
                    rec(NO_TIMESTAMP, FLUSH, 0, 0, 11),
                    rec(NO_TIMESTAMP, FLUSH, 0, 0, 12),
                    rec(NO_TIMESTAMP, READ, 65536, 4096, 13)), SampleTraces.drain(reader));
            assertEquals(Map.of("fio add", 2L, "fio open", 2L, "fio wait", 1L, "blank lines", 1L, "fio close", 2L),
                    reader.skipped().byReason());
            assertEquals(8, reader.skipped().total());
        }
    }

    @Test
    void errorsNameFileLineAndProblem() {
        assertError("t.trace:3: fio iolog: expected OFFSET LENGTH after 'write', got 'write abc'",
                "fio version 2 iolog\nf open\nf write abc\n");
        assertError("t.trace:2: fio iolog: expected OFFSET LENGTH after 'read', got 'read 1 -2'",
                "fio version 2 iolog\nf read 1 -2\n");
        assertError("t.trace:2: fio iolog: expected OFFSET LENGTH after 'trim', got 'trim 1 2 3'",
                "fio version 2 iolog\nf trim 1 2 3\n");
        assertError("t.trace:2: fio iolog: unknown action 'rite' (expected add, open, close, read, write, sync,"
                + " datasync, trim or wait)", "fio version 2 iolog\nf rite 0 512\n");
        assertError("t.trace:2: fio iolog: expected nothing after 'open', got 'open 1 2'",
                "fio version 2 iolog\nf open 1 2\n");
        assertError("t.trace:2: fio iolog: expected TIMESTAMP FILENAME ACTION [OFFSET LENGTH], got 'f read 0 512'",
                "fio version 3 iolog\nf read 0 512\n");
        assertError("t.trace:2: fio iolog: expected FILENAME ACTION [OFFSET LENGTH], got 'f'", "fio version 2 iolog\nf\n");
        assertError("t.trace:1: fio iolog: expected 'fio version 2 iolog' or 'fio version 3 iolog' on the first line,"
                + " got 'fio version 1 iolog'", "fio version 1 iolog\n");
        assertError("t.trace:1: fio iolog: empty file, expected 'fio version 2 iolog' or 'fio version 3 iolog' on the"
                + " first line", "");
        assertError("t.trace:2: fio iolog: expected OFFSET LENGTH after 'read', got 'read 99999999999999999999 1'",
                "fio version 2 iolog\nf read 99999999999999999999 1\n");
    }

    @Test
    void crlfAndTrailingSpaceAreAccepted() {
        assertEquals(List.of(rec(7, READ, 0, 512, 2)),
                readAll("fio version 3 iolog \r\n7 f read 0 512\r\n", TraceFormat.FIO_IOLOG));
    }

    @Test
    void aLineLongerThanAMegabyteIsRefused() {
        String trace = "fio version 2 iolog\n" + "x".repeat(LineSource.MAX_LINE + 10) + "\n";
        assertError("t.trace:2: fio iolog: line longer than 1048576 bytes (not a fio iolog trace?)", trace);
    }

    private static void assertError(String message, String trace) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(trace, TraceFormat.FIO_IOLOG));
        assertEquals(message, e.getMessage());
    }
}
