package org.ubdjava.core;


/**
 * The project's own error: a failure whose message is fit to show a user as it is, on one line,
 * naming the file and the problem. Anything else that escapes to the CLI is a bug.
 *
 * <p>Invariant: the message holds no line break or other control character. Messages quote
 * paths read from files (a COW header's backing path is whatever its author wrote, newlines
 * included), so they are escaped here ({@link Printable#escape}), once, rather than at every
 * place that quotes one (found by FuzzCowFileTest).
 */
public class UbdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UbdException(String message) {
        super(oneLine(message));
    }

    public UbdException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@link Printable#escape}: the message on one line, control characters as C escapes. */
    public static String oneLine(String message) {
        return Printable.escape(message);
    }
}
