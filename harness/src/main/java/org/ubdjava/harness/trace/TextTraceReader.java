package org.ubdjava.harness.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;

/** What every line-oriented trace reader shares: the line loop, skip counting and error messages. */
abstract class TextTraceReader implements TraceReader {
    static final String BLANK = "blank lines";
    /** Skip reason for the optional header line of the CSV formats. */
    static final String HEADER = "header line";

    private final Path path;
    private final TraceFormat format;
    private final InputStream in;
    final LineSource lines;
    final Fields fields = new Fields();
    final SkipCounter skipped = new SkipCounter();

    TextTraceReader(Path path, InputStream in, TraceFormat format) {
        this.path = path;
        this.format = format;
        this.in = in;
        this.lines = new LineSource(in, path, format.displayName());
    }

    @Override
    public final boolean next(TraceRecord.Mutable into) {
        try {
            while (lines.next()) {
                if (parseLine(into)) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new UbdException(path + ": cannot read: " + e.getMessage(), e);
        }
        atEnd();
        return false;
    }

    /**
     * Parses the current line of {@link #lines}.
     *
     * @return true if it was an I/O record, now in {@code into}; false if it was skipped (and counted)
     */
    abstract boolean parseLine(TraceRecord.Mutable into);

    /**
     * Splits the current line into comma-separated {@link #fields}. A blank line, or a first line
     * whose first field is {@code headerField}, is counted and skipped (false); a line with another
     * number of fields than {@code count} is an error naming what was {@code expected}.
     */
    final boolean splitCsv(String headerField, int count, String expected) {
        if (lines.isBlank()) {
            skipped.add(BLANK);
            return false;
        }
        fields.splitCommas(lines.buffer(), lines.start(), lines.end());
        if (lines.lineNumber() == 1 && fields.isIgnoreCase(0, headerField)) {
            skipped.add(HEADER);
            return false;
        }
        if (fields.count() != count) {
            throw error(expected + quoteLine());
        }
        return true;
    }

    /** READ or WRITE from a field holding one of two names (case ignored); {@code what} names the field in the error. */
    final TraceOp readOrWrite(int field, String read, String write, String what) {
        if (fields.isIgnoreCase(field, read)) {
            return TraceOp.READ;
        }
        if (fields.isIgnoreCase(field, write)) {
            return TraceOp.WRITE;
        }
        throw error("expected " + what + " " + read + " or " + write + ", got " + TraceFormatException.quote(fields.text(field)));
    }

    /** Called when the file ends, to object to what is missing. */
    void atEnd() {
    }

    final TraceFormatException error(String problem) {
        return TraceFormatException.atLine(path, Math.max(1, lines.lineNumber()), format.displayName(), problem);
    }

    /** The current line from field {@code field} to its end, quoted for a message. */
    final String quoteFrom(int field) {
        int from = fields.count() > field ? fields.start(field) : lines.end();
        return TraceFormatException.quote(
                new String(lines.buffer(), from, lines.end() - from, StandardCharsets.ISO_8859_1));
    }

    final String quoteLine() {
        return TraceFormatException.quote(lines.text());
    }

    @Override
    public final TraceFormat format() {
        return format;
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final SkipCounter skipped() {
        return skipped;
    }

    @Override
    public final void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UbdException(path + ": cannot close: " + e.getMessage(), e);
        }
    }
}
