package org.ubdjava.core;

/**
 * The project's own error: a failure whose message is fit to show a user as it is, on one line,
 * naming the file and the problem. Anything else that escapes to the CLI is a bug.
 */
public class UbdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UbdException(String message) {
        super(message);
    }

    public UbdException(String message, Throwable cause) {
        super(message, cause);
    }
}
