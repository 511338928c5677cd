package org.ubdjava.harness.trace;

import java.nio.charset.StandardCharsets;

/**
 * Splits one line of a {@link LineSource} into fields without copying it, and reads the fields as
 * numbers or compares them with ASCII words, so parsing a line allocates nothing.
 *
 * <p>{@link #count()} is the true number of fields; only the first {@link #MAX} are addressable,
 * which is more than any format here has, so a line with more fields is reported, not misread.
 */
final class Fields {
    static final int MAX = 16;

    private final int[] starts = new int[MAX];
    private final int[] ends = new int[MAX];
    private byte[] buf;
    private int count;

    /** Fields are the runs of characters between spaces and tabs. */
    Fields splitWhitespace(byte[] buffer, int from, int to) {
        buf = buffer;
        count = 0;
        int i = from;
        while (true) {
            while (i < to && isBlank(buf[i])) {
                i++;
            }
            if (i == to) {
                return this;
            }
            int s = i;
            while (i < to && !isBlank(buf[i])) {
                i++;
            }
            add(s, i);
        }
    }

    /** Fields are separated by commas, each trimmed of surrounding blanks; an empty line has no fields. */
    Fields splitCommas(byte[] buffer, int from, int to) {
        buf = buffer;
        count = 0;
        if (from == to) {
            return this;
        }
        int s = from;
        for (int i = from; i <= to; i++) {
            if (i == to || buf[i] == ',') {
                int a = s;
                int b = i;
                while (a < b && isBlank(buf[a])) {
                    a++;
                }
                while (b > a && isBlank(buf[b - 1])) {
                    b--;
                }
                add(a, b);
                s = i + 1;
            }
        }
        return this;
    }

    private void add(int s, int e) {
        if (count < MAX) {
            starts[count] = s;
            ends[count] = e;
        }
        count++;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    int count() {
        return count;
    }

    /** Index in the line's buffer where field {@code i} starts. */
    int start(int i) {
        return starts[i];
    }

    int length(int i) {
        return ends[i] - starts[i];
    }

    byte byteAt(int i, int k) {
        return buf[starts[i] + k];
    }

    /** Whether field {@code i} is exactly the ASCII {@code word}. */
    boolean is(int i, String word) {
        return matches(i, word, false);
    }

    boolean isIgnoreCase(int i, String word) {
        return matches(i, word, true);
    }

    private boolean matches(int i, String word, boolean ignoreCase) {
        int s = starts[i];
        int n = ends[i] - s;
        if (n != word.length()) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            int a = buf[s + k] & 0xff;
            int b = word.charAt(k);
            if (a != b && !(ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b))) {
                return false;
            }
        }
        return true;
    }

    /** Field {@code i} as a non-negative decimal integer, or -1 if it is not one or overflows a long. */
    long number(int i) {
        return parseDigits(starts[i], ends[i]);
    }

    /** Digits {@code buf[s .. e)} as a non-negative long, or -1 if empty, not all digits, or too large. */
    private long parseDigits(int s, int e) {
        if (s == e) {
            return -1;
        }
        long v = 0;
        for (int k = s; k < e; k++) {
            int d = buf[k] - '0';
            if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /**
     * Field {@code i} as seconds with an optional fraction ("12.000345678"), converted to whole
     * microseconds (the fraction truncated), or -1 if it is not such a number or too large.
     */
    long secondsAsMicros(int i) {
        int s = starts[i];
        int e = ends[i];
        int dot = s;
        while (dot < e && buf[dot] != '.') {
            dot++;
        }
        long seconds = parseDigits(s, dot);
        if (seconds < 0 || seconds > Long.MAX_VALUE / 1_000_000 - 1) {
            return -1;
        }
        long micros = 0;
        if (dot < e) {
            int digits = 0;
            for (int k = dot + 1; k < e; k++) {
                int d = buf[k] - '0';
                if (d < 0 || d > 9) {
                    return -1;
                }
                if (digits < 6) {
                    micros = micros * 10 + d;
                    digits++;
                }
            }
            if (dot + 1 == e) {
                return -1;
            }
            for (; digits < 6; digits++) {
                micros *= 10;
            }
        }
        return seconds * 1_000_000 + micros;
    }

    /** Field {@code i} as text, for messages only (allocates). */
    String text(int i) {
        return new String(buf, starts[i], ends[i] - starts[i], StandardCharsets.ISO_8859_1);
    }
}
