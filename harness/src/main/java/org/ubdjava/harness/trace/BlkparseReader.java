package org.ubdjava.harness.trace;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * blkparse's default text output:
 *
 * <pre>
 *   8,0    3        1     0.000000000   697  Q  WS 223490 + 8 [kjournald]
 *   MAJ,MIN CPU  SEQUENCE  SECONDS       PID ACTION RWBS SECTOR + COUNT [PROCESS]
 * </pre>
 *
 * <p>One event per request is taken: Q (queued), the request as its submitter made it, before
 * the I/O scheduler merged or split it; every request has exactly one Q on the traced device,
 * whether the device is request-based (has D events) or not. fio's own blktrace replay makes the
 * same choice. All other events (G, I, D, C, M, F, P, U, UT, X, A, B, m, ...) are counted under
 * {@value #OTHER_EVENTS}. Sectors and counts are 512-byte units; seconds become microseconds.
 *
 * <p>RWBS: a leading F is a preflush ({@link TraceRecord#FLAG_PREFLUSH}) when an operation letter
 * follows; the operation letter is R (READ), W (WRITE), D (DISCARD), F alone (FLUSH) or N (no data);
 * after it F is FUA, A read-ahead, S sync, M metadata, E secure erase, B barrier (old kernels; taken
 * as preflush + FUA). A request with a preflush and no data (the kernel's empty flush bio, "FWS"
 * without a sector range, or "FN") is a FLUSH; N without a preflush moves no data and is counted
 * under {@value #NO_DATA}.
 *
 * <p>The per-CPU and total statistics blkparse prints at the end (from the first "CPU0 (8,0):" or
 * "Total (8,0):" line on) are counted under {@value #SUMMARY}. Events of every device in the output
 * are returned, at their own sectors.
 */
final class BlkparseReader extends TextTraceReader {
    static final String OTHER_EVENTS = "blkparse events other than Q";
    static final String NO_DATA = "blkparse Q events without data (N)";
    static final String SUMMARY = "blkparse summary lines";
    private static final String EXPECTED = "expected 'MAJ,MIN CPU SEQUENCE SECONDS PID ACTION RWBS [SECTOR + COUNT] [PROCESS]', got ";

    /** Set at the first summary line: everything after it is statistics. */
    private boolean inSummary;

    BlkparseReader(Path path, InputStream in) {
        super(path, in, TraceFormat.BLKPARSE);
    }

    @Override
    boolean parseLine(TraceRecord.Mutable into) {
        if (inSummary) {
            skipped.add(SUMMARY);
            return false;
        }
        if (lines.isBlank()) {
            skipped.add(BLANK);
            return false;
        }
        fields.splitWhitespace(lines.buffer(), lines.start(), lines.end());
        if (!isDevice(0)) {
            if (isSummaryStart()) {
                inSummary = true;
                skipped.add(SUMMARY);
                return false;
            }
            throw error(EXPECTED + quoteLine());
        }
        if (fields.count() < 7 || fields.number(1) < 0 || fields.number(2) < 0 || fields.number(4) < 0) {
            throw error(EXPECTED + quoteLine());
        }
        long micros = fields.secondsAsMicros(3);
        if (micros < 0) {
            throw error("expected the time in seconds as SECONDS.NANOSECONDS, got "
                    + TraceFormatException.quote(fields.text(3)));
        }
        if (!fields.is(5, "Q")) {
            skipped.add(OTHER_EVENTS);
            return false;
        }
        return parseQueue(into, micros);
    }

    private boolean parseQueue(TraceRecord.Mutable into, long micros) {
        int rwbs = 6;
        int n = fields.length(rwbs);
        int i = 0;
        int flags = 0;
        if (fields.byteAt(rwbs, 0) == 'F' && n > 1 && isOperation(fields.byteAt(rwbs, 1))) {
            flags |= TraceRecord.FLAG_PREFLUSH;
            i = 1;
        }
        byte letter = fields.byteAt(rwbs, i++);
        TraceOp op;
        switch (letter) {
            case 'R' -> op = TraceOp.READ;
            case 'W' -> op = TraceOp.WRITE;
            case 'D' -> op = TraceOp.DISCARD;
            case 'F' -> op = TraceOp.FLUSH;
            case 'N' -> op = null;
            default -> throw badRwbs();
        }
        for (; i < n; i++) {
            switch (fields.byteAt(rwbs, i)) {
                case 'F' -> flags |= TraceRecord.FLAG_FUA;
                case 'A' -> flags |= TraceRecord.FLAG_READAHEAD;
                case 'S' -> flags |= TraceRecord.FLAG_SYNC;
                case 'M' -> flags |= TraceRecord.FLAG_META;
                case 'B' -> flags |= TraceRecord.FLAG_PREFLUSH | TraceRecord.FLAG_FUA;
                case 'E' -> {
                    // secure erase: still a discard of the range
                }
                default -> throw badRwbs();
            }
        }

        long sector = 0;
        long count = 0;
        boolean hasRange = fields.count() > 7 && fields.byteAt(7, 0) != '[';
        if (hasRange) {
            if (fields.count() < 10 || !fields.is(8, "+")) {
                throw error("expected SECTOR + COUNT after the RWBS, got " + quoteFrom(7));
            }
            sector = fields.number(7);
            count = fields.number(9);
            if (sector < 0 || count < 0) {
                throw error("expected SECTOR + COUNT after the RWBS, got " + quoteFrom(7));
            }
            if (sector > (Long.MAX_VALUE >> 9) - count) {
                throw error("sector range " + sector + " + " + count + " is beyond any disk");
            }
        }
        boolean preflush = (flags & TraceRecord.FLAG_PREFLUSH) != 0;
        if (op == TraceOp.FLUSH || (preflush && count == 0)) {
            into.set(micros, TraceOp.FLUSH, 0, 0, lines.lineNumber(), flags);
            return true;
        }
        if (op == null) {
            skipped.add(NO_DATA);
            return false;
        }
        if (!hasRange) {
            throw error("expected SECTOR + COUNT after " + TraceFormatException.quote(fields.text(rwbs)) + ", got "
                    + quoteFrom(rwbs));
        }
        into.set(micros, op, sector << 9, count << 9, lines.lineNumber(), flags);
        return true;
    }

    private TraceFormatException badRwbs() {
        return error("unknown RWBS " + TraceFormatException.quote(fields.text(6))
                + " (expected [F]R|W|D|F|N followed by any of F, A, S, M, E, B)");
    }

    private static boolean isOperation(byte b) {
        return b == 'R' || b == 'W' || b == 'D' || b == 'N';
    }

    /** "MAJ,MIN": digits, a comma, digits. */
    private boolean isDevice(int i) {
        int n = fields.length(i);
        int comma = -1;
        for (int k = 0; k < n; k++) {
            byte b = fields.byteAt(i, k);
            if (b == ',' && comma < 0) {
                comma = k;
            } else if (b < '0' || b > '9') {
                return false;
            }
        }
        return comma > 0 && comma < n - 1;
    }

    /** "CPU3 (8,0):" or "Total (8,0):", the headers of blkparse's closing statistics. */
    private boolean isSummaryStart() {
        if (fields.count() < 2 || fields.byteAt(1, 0) != '(') {
            return false;
        }
        if (fields.is(0, "Total")) {
            return true;
        }
        int n = fields.length(0);
        if (n < 4 || fields.byteAt(0, 0) != 'C' || fields.byteAt(0, 1) != 'P' || fields.byteAt(0, 2) != 'U') {
            return false;
        }
        for (int k = 3; k < n; k++) {
            byte b = fields.byteAt(0, k);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }
}
