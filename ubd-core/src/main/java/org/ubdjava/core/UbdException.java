package org.ubdjava.core;

/**
 * The project's own error: a failure whose message is fit to show a user as it is, on one line,
 * naming the file and the problem. Anything else that escapes to the CLI is a bug.
 *
 * <p>Invariant: the message holds no line break or other control character. Messages quote
 * paths read from files (a COW header's backing path is whatever its author wrote, newlines
 * included), so they are escaped here, once, rather than at every place that quotes one
 * (found by FuzzCowFileTest).
 */
public class UbdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UbdException(String message) {
        super(oneLine(message));
    }

    public UbdException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Control characters as C escapes ({@code \n}, {@code \x1b}); null stays null. Idempotent. */
    public static String oneLine(String message) {
        if (message == null || message.chars().noneMatch(UbdException::isControl)) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message.length() + 8);
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (isControl(c)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Tab is harmless on one line; the rest of C0, DEL and C1 (and the Unicode line separators) are not. */
    private static boolean isControl(int c) {
        return c < 0x20 && c != '\t' || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029;
    }
}
