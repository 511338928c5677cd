package org.ubdjava.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exit codes of every ubd command: one table, the same in every command's --help and in the
 * README, so a script reads any command's status the same way. What a command adds to a code (what
 * counts as a problem for {@code check}, a verdict for {@code replay}) its description says.
 */
public final class ExitCodes {
    /** The operation succeeded and found nothing wrong. */
    public static final int OK = 0;
    /** The operation failed or found problems; one line per problem on stderr. */
    public static final int FAILED = 1;
    /** The command line was wrong; usage on stderr. */
    public static final int USAGE = 2;

    private static final Map<String, String> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put("0", "success: done, nothing found wrong; also serve stopped by SIGINT or SIGTERM (a clean stop), "
                + "and cat whose reader closed the pipe early");
        TABLE.put("1", "the operation failed or found problems: one line each on stderr, naming the file or device; "
                + "nothing half-made is left");
        TABLE.put("2", "the command line was wrong: a line naming the option or argument, then the usage");
        TABLE.put("130, 143", "any other command stopped by SIGINT or SIGTERM (128 + the signal); the file mkcow or moo "
                + "was making never appears under its name");
        TABLE.put("uml", "ubd uml exits with linux.uml's own status (1 when it cannot start it, 2 for its command line)");
    }

    private ExitCodes() {
    }

    /** The table, in order: code (or codes) to meaning. */
    public static Map<String, String> table() {
        return java.util.Collections.unmodifiableMap(TABLE);
    }
}
