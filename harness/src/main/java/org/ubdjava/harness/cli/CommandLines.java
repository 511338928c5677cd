package org.ubdjava.harness.cli;

import java.io.PrintWriter;

import org.ubdjava.core.UbdException;

import picocli.CommandLine;

/**
 * Builds a picocli {@link CommandLine} with the project's error conventions: a wrong command line
 * exits {@link ExitCodes#USAGE} with the usage, a {@link UbdException} exits {@link ExitCodes#FAILED}
 * with its one-line message, and no stack trace reaches the user unless {@code --debug} was given.
 */
public final class CommandLines {
    /** Wide enough that the help texts, written for it, are never re-wrapped. */
    static final int USAGE_WIDTH = 110;

    private CommandLines() {
    }

    public static CommandLine create(Object command, boolean debug) {
        CommandLine cl = new CommandLine(command);
        cl.setUsageHelpWidth(USAGE_WIDTH);
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.FAILED);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine bad = ex.getCommandLine();
            PrintWriter err = bad.getErr();
            err.println(commandName(bad) + ": " + ex.getMessage());
            bad.usage(err);
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, bad, parseResult) -> {
            PrintWriter err = bad.getErr();
            if (ex instanceof UbdException) {
                err.println(commandName(bad) + ": " + ex.getMessage());
            } else {
                err.println(commandName(bad) + ": internal error: " + ex);
            }
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.FAILED;
        });
        return cl;
    }

    private static String commandName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }
}
