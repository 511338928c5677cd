package org.ubdjava.harness.trace;

import java.nio.file.Path;

import org.ubdjava.core.UbdException;

/**
 * A trace file that does not follow its format. The message is one line naming the file, where in
 * it (line or record number) and what is wrong, e.g.
 * {@code trace.log:17: fio iolog: expected OFFSET LENGTH after 'write', got 'write abc'}.
 */
public final class TraceFormatException extends UbdException {
    private static final long serialVersionUID = 1L;

    /** Longest quoted excerpt of the input in a message; garbage lines can be megabytes long. */
    private static final int MAX_QUOTE = 80;

    private TraceFormatException(String message) {
        super(message);
    }

    /** A problem with line {@code line} (1-based) of a text trace. */
    static TraceFormatException atLine(Path file, long line, String format, String problem) {
        return new TraceFormatException(file + ":" + line + ": " + format + ": " + problem);
    }

    /** A problem with record {@code record} (1-based) of a binary trace. */
    static TraceFormatException atRecord(Path file, long record, String format, String problem) {
        return new TraceFormatException(file + ": record " + record + ": " + format + ": " + problem);
    }

    /** A problem with the file as a whole (e.g. no format recognised). */
    static TraceFormatException ofFile(Path file, String problem) {
        return new TraceFormatException(file + ": " + problem);
    }

    /**
     * Input text made safe to quote in a one-line message: control and non-ASCII bytes become '?',
     * and long text is cut.
     */
    static String quote(CharSequence text) {
        int n = Math.min(text.length(), MAX_QUOTE);
        StringBuilder sb = new StringBuilder(n + 5).append('\'');
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > n) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
