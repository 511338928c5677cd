package org.ubdjava.harness.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads a byte stream line by line into one reused buffer, so reading a line allocates nothing.
 * Lines end at '\n'; a '\r' before it is dropped; the last line needs no terminator. Bytes are not
 * decoded: every trace format here is ASCII, and garbage bytes simply fail to parse.
 *
 * <p>After {@link #next()} returns true the line is {@code buffer()[start() .. end())}, valid until
 * the next call.
 */
final class LineSource {
    /** Longest line accepted; a longer one is garbage (or not a text trace) and must not exhaust memory. */
    static final int MAX_LINE = 1 << 20;

    private final InputStream in;
    private final Path path;
    private final String format;
    private byte[] buf = new byte[64 * 1024];
    /** Unconsumed bytes are {@code buf[pos .. limit)}. */
    private int pos;
    private int limit;
    private boolean eof;
    private int start;
    private int end;
    private long lineNumber;

    LineSource(InputStream in, Path path, String format) {
        this.in = in;
        this.path = path;
        this.format = format;
    }

    /** Advances to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        int scan = pos;
        while (true) {
            for (; scan < limit; scan++) {
                if (buf[scan] == '\n') {
                    take(scan, scan + 1);
                    return true;
                }
            }
            if (eof) {
                if (pos == limit) {
                    return false;
                }
                take(limit, limit);
                return true;
            }
            int scanned = scan - pos;
            fill();
            scan = pos + scanned;
        }
    }

    private void take(int lineEnd, int nextPos) {
        start = pos;
        end = lineEnd > pos && buf[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        pos = nextPos;
        lineNumber++;
    }

    /** Makes room (compacting, else growing up to {@link #MAX_LINE}) and reads more bytes. */
    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            if (buf.length >= MAX_LINE) {
                throw TraceFormatException.atLine(path, lineNumber + 1, format,
                        "line longer than " + MAX_LINE + " bytes (not a " + format + " trace?)");
            }
            byte[] bigger = new byte[Math.min(buf.length * 2, MAX_LINE)];
            System.arraycopy(buf, 0, bigger, 0, limit);
            buf = bigger;
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            eof = true;
        } else {
            limit += n;
        }
    }

    byte[] buffer() {
        return buf;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    boolean isBlank() {
        for (int i = start; i < end; i++) {
            if (buf[i] != ' ' && buf[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        return lineNumber;
    }

    /** The current line as text, for messages only (allocates). */
    String text() {
        return new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
    }
}
