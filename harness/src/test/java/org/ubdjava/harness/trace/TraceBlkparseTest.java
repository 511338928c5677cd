package org.ubdjava.harness.trace;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ubdjava.harness.trace.SampleTraces.readAll;
import static org.ubdjava.harness.trace.SampleTraces.rec;
import static org.ubdjava.harness.trace.SampleTraces.resource;
import static org.ubdjava.harness.trace.TraceOp.DISCARD;
import static org.ubdjava.harness.trace.TraceOp.FLUSH;
import static org.ubdjava.harness.trace.TraceOp.READ;
import static org.ubdjava.harness.trace.TraceOp.WRITE;
import static org.ubdjava.harness.trace.TraceRecord.FLAG_FUA;
import static org.ubdjava.harness.trace.TraceRecord.FLAG_META;
import static org.ubdjava.harness.trace.TraceRecord.FLAG_PREFLUSH;
import static org.ubdjava.harness.trace.TraceRecord.FLAG_READAHEAD;
import static org.ubdjava.harness.trace.TraceRecord.FLAG_SYNC;

import java.util.List;

import org.junit.jupiter.api.Test;

class TraceBlkparseTest {
    private static final String HEAD = "  8,0    3        2     0.000000697   697  Q ";

    @Test
    void takesQueueEventsOnlyAndDecodesRwbs() {
        try (TraceReader reader = TraceReaders.open(resource("blkparse-sample.txt"), TraceFormat.BLKPARSE)) {
            assertEquals(List.of(
                    rec(0, WRITE, 223490L * 512, 4096, 2, FLAG_SYNC),
                    rec(12354, READ, 1048576L * 512, 131072, 9),
                    rec(12362, READ, 1048832L * 512, 4096, 11, FLAG_READAHEAD),
                    rec(20000, FLUSH, 0, 0, 12, FLAG_PREFLUSH | FLAG_SYNC),
                    rec(20001, WRITE, 5000L * 512, 8192, 13, FLAG_FUA | FLAG_SYNC | FLAG_META),
                    rec(30500, DISCARD, 2048L * 512, 2048L * 512, 14),
                    rec(31000, FLUSH, 0, 0, 15, FLAG_PREFLUSH),
                    rec(40000, WRITE, 223498L * 512, 4096, 18, FLAG_PREFLUSH | FLAG_FUA | FLAG_SYNC | FLAG_META)),
                    SampleTraces.drain(reader));
            SkipCounter skipped = reader.skipped();
            assertEquals(10, skipped.count(BlkparseReader.OTHER_EVENTS));
            assertEquals(1, skipped.count(BlkparseReader.NO_DATA));
            assertEquals(1, skipped.count(TextTraceReader.BLANK));
            assertEquals(15, skipped.count(BlkparseReader.SUMMARY));
            assertEquals(27, skipped.total());
        }
    }

    @Test
    void moreRwbsForms() {
        assertEquals(List.of(rec(0, FLUSH, 0, 0, 1, FLAG_FUA)), readAll(HEAD + "FF [kworker]\n", TraceFormat.BLKPARSE));
        assertEquals(List.of(rec(0, FLUSH, 0, 0, 1)), readAll(HEAD + "F [kworker]\n", TraceFormat.BLKPARSE));
        assertEquals(List.of(rec(0, DISCARD, 512, 512, 1)), readAll(HEAD + "DE 1 + 1 [blkdiscard]\n", TraceFormat.BLKPARSE));
        assertEquals(List.of(rec(0, WRITE, 512, 512, 1, FLAG_PREFLUSH | FLAG_FUA)),
                readAll(HEAD + "WB 1 + 1 [old]\n", TraceFormat.BLKPARSE));
        // an empty flush bio is a write with a preflush and no data
        assertEquals(List.of(rec(0, FLUSH, 0, 0, 1, FLAG_PREFLUSH | FLAG_SYNC)),
                readAll(HEAD + "FWS 0 + 0 [jbd2/sda1-8]\n", TraceFormat.BLKPARSE));
        // with -t, blkparse adds the elapsed time in parentheses
        assertEquals(List.of(rec(0, READ, 1024, 4096, 1)),
                readAll(HEAD + "R 2 + 8 (     123) [cat]\n", TraceFormat.BLKPARSE));
    }

    @Test
    void errorsNameFileLineAndProblem() {
        assertError("t.trace:1: blkparse: unknown RWBS 'WX' (expected [F]R|W|D|F|N followed by any of F, A, S, M, E, B)",
                HEAD + "WX 1 + 8 [x]\n");
        assertError("t.trace:1: blkparse: expected SECTOR + COUNT after the RWBS, got '1 - 8 [x]'", HEAD + "W 1 - 8 [x]\n");
        assertError("t.trace:1: blkparse: expected SECTOR + COUNT after 'WS', got 'WS [x]'", HEAD + "WS [x]\n");
        assertError("t.trace:1: blkparse: expected the time in seconds as SECONDS.NANOSECONDS, got '0.x'",
                "  8,0    3        2     0.x   697  Q W 1 + 8 [x]\n");
        assertError("t.trace:2: blkparse: expected 'MAJ,MIN CPU SEQUENCE SECONDS PID ACTION RWBS [SECTOR + COUNT]"
                + " [PROCESS]', got 'garbage here'", HEAD + "R 0 + 8 [a]\ngarbage here\n");
        assertError("t.trace:1: blkparse: sector range 18014398509481983 + 8 is beyond any disk",
                HEAD + "R 18014398509481983 + 8 [a]\n");
    }

    private static void assertError(String message, String trace) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(trace, TraceFormat.BLKPARSE));
        assertEquals(message, e.getMessage());
    }
}
