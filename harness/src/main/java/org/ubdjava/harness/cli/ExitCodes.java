package org.ubdjava.harness.cli;

/** Exit codes of every ubd command: they mean the same thing everywhere. */
public final class ExitCodes {
    /** The operation succeeded and found nothing wrong. */
    public static final int OK = 0;
    /** The operation failed or found problems; one line per problem on stderr. */
    public static final int FAILED = 1;
    /** The command line was wrong; usage on stderr. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
