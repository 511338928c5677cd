package org.ubdjava.core;

/**
 * Text from files (a COW header's backing path, a trace's lines) made safe to show on a terminal:
 * its author chose every byte, and a newline forges a line of output, an escape sequence
 * recolours or rewrites the screen, a bidirectional override shows a path reversed. Every
 * human-readable output and message passes such text through {@link #escape}; JSON output needs
 * only JSON's own escaping, which its writer does.
 */
public final class Printable {
    private Printable() {
    }

    /**
     * Control characters as C escapes ({@code \n}, {@code \x1b}; past U+00FF a backslash, 'u' and four
     * hex digits, as Java and JSON write them); everything else as
     * it is, so an ordinary path reads unchanged. Null stays null. Idempotent.
     */
    public static String escape(String text) {
        if (text == null || text.chars().noneMatch(Printable::isControl)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (isControl(c)) {
                sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Tab is harmless on one line; the rest of C0, DEL and C1 (a UTF-8 terminal takes U+009B for
     * CSI), the Unicode line separators and the bidirectional embeddings, overrides and isolates
     * are not. JSON writers escape the same set (in JSON's own form), so that JSON read on a
     * terminal is as safe as text.
     */
    public static boolean isControl(int c) {
        return c < 0x20 && c != '\t' || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029
                || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
    }
}
