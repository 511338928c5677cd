package org.ubdjava.harness.trace;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * fio's iolog, versions 2 and 3 (the first line says which).
 *
 * <pre>
 * fio version 2 iolog                        fio version 3 iolog
 * FILENAME ACTION [OFFSET LENGTH]            TIMESTAMP FILENAME ACTION [OFFSET LENGTH]
 * </pre>
 *
 * <p>read, write and trim are READ, WRITE and DISCARD of LENGTH bytes at OFFSET; sync and datasync
 * are FLUSH (fio writes them with the last offset and length 0; both numbers are optional here).
 * add, open and close (file management) and wait (a pause in v2, ignored by fio in v3) are not I/O:
 * they are counted in {@link #skipped()} under "fio add", "fio open", "fio close", "fio wait".
 *
 * <p>v3 timestamps are microseconds since the start of the run: fio writes
 * {@code utime_since_now(start)} (checked: a job at 10 IOPS logs steps of 100000), even though the
 * unit is often described as milliseconds. v2 has no clock, so its records carry
 * {@link TraceRecord#NO_TIMESTAMP}.
 *
 * <p>A log can name several files; all of their I/O is returned, at its own offsets (the replay has
 * one disk).
 */
final class FioIologReader extends TextTraceReader {
    static final String V2_HEADER = "fio version 2 iolog";
    static final String V3_HEADER = "fio version 3 iolog";

    /** 2 or 3 once the header line is read; 0 before. */
    private int version;

    FioIologReader(Path path, InputStream in) {
        super(path, in, TraceFormat.FIO_IOLOG);
    }

    @Override
    boolean parseLine(TraceRecord.Mutable into) {
        if (version == 0) {
            readHeader();
            return false;
        }
        if (lines.isBlank()) {
            skipped.add(BLANK);
            return false;
        }
        fields.splitWhitespace(lines.buffer(), lines.start(), lines.end());
        long timestamp = TraceRecord.NO_TIMESTAMP;
        int first = 0;
        if (version == 3) {
            timestamp = fields.number(0);
            if (timestamp < 0) {
                throw error("expected TIMESTAMP FILENAME ACTION [OFFSET LENGTH], got " + quoteLine());
            }
            first = 1;
        }
        if (fields.count() < first + 2) {
            throw error("expected " + (version == 3 ? "TIMESTAMP " : "") + "FILENAME ACTION [OFFSET LENGTH], got "
                    + quoteLine());
        }
        int action = first + 1;
        int numbers = fields.count() - action - 1;
        TraceOp op;
        if (fields.is(action, "read")) {
            op = TraceOp.READ;
        } else if (fields.is(action, "write")) {
            op = TraceOp.WRITE;
        } else if (fields.is(action, "trim")) {
            op = TraceOp.DISCARD;
        } else if (fields.is(action, "sync") || fields.is(action, "datasync")) {
            if (numbers != 0) {
                requireOffsetLength(action);
            }
            into.set(timestamp, TraceOp.FLUSH, 0, 0, lines.lineNumber(), 0);
            return true;
        } else if (fields.is(action, "add")) {
            return skipFileAction(action, "fio add");
        } else if (fields.is(action, "open")) {
            return skipFileAction(action, "fio open");
        } else if (fields.is(action, "close")) {
            return skipFileAction(action, "fio close");
        } else if (fields.is(action, "wait")) {
            requireOffsetLength(action);
            skipped.add("fio wait");
            return false;
        } else {
            throw error("unknown action " + TraceFormatException.quote(fields.text(action))
                    + " (expected add, open, close, read, write, sync, datasync, trim or wait)");
        }
        requireOffsetLength(action);
        into.set(timestamp, op, fields.number(action + 1), fields.number(action + 2), lines.lineNumber(), 0);
        return true;
    }

    private void readHeader() {
        int end = lines.end();
        while (end > lines.start() && (lines.buffer()[end - 1] == ' ' || lines.buffer()[end - 1] == '\t')) {
            end--;
        }
        fields.splitWhitespace(lines.buffer(), lines.start(), end);
        if (fields.count() == 4 && fields.is(0, "fio") && fields.is(1, "version") && fields.is(3, "iolog")) {
            if (fields.is(2, "2")) {
                version = 2;
                return;
            }
            if (fields.is(2, "3")) {
                version = 3;
                return;
            }
        }
        throw error("expected '" + V2_HEADER + "' or '" + V3_HEADER + "' on the first line, got " + quoteLine());
    }

    /** The action at field {@code action} must be followed by exactly two non-negative integers. */
    private void requireOffsetLength(int action) {
        if (fields.count() != action + 3 || fields.number(action + 1) < 0 || fields.number(action + 2) < 0) {
            throw error("expected OFFSET LENGTH after " + TraceFormatException.quote(fields.text(action)) + ", got "
                    + quoteFrom(action));
        }
    }

    private boolean skipFileAction(int action, String reason) {
        if (fields.count() != action + 1) {
            throw error("expected nothing after " + TraceFormatException.quote(fields.text(action)) + ", got "
                    + quoteFrom(action));
        }
        skipped.add(reason);
        return false;
    }

    @Override
    void atEnd() {
        if (version == 0) {
            throw error("empty file, expected '" + V2_HEADER + "' or '" + V3_HEADER + "' on the first line");
        }
    }

    /** 2 or 3 once the first line was read, else 0. */
    int version() {
        return version;
    }
}
