package org.ubdjava.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.Printable;

import picocli.CommandLine;

/**
 * Builds a picocli {@link CommandLine} with the project's error conventions: a wrong command line
 * exits {@link ExitCodes#USAGE} with the usage, a {@link UbdException} exits {@link ExitCodes#FAILED}
 * with its one-line message (as does an I/O error, naming the file when there is one: the paths a
 * command opens are the user's), and no stack trace reaches the user unless {@code --debug} was given.
 */
public final class CommandLines {
    /** Wide enough that the help texts, written for it, are never re-wrapped. */
    static final int USAGE_WIDTH = 110;

    private CommandLines() {
    }

    public static CommandLine create(Object command, boolean debug) {
        return configure(new CommandLine(command), debug);
    }

    /** Gives {@code cl} and the subcommands it has now the project's conventions (as {@link #create}). */
    public static CommandLine configure(CommandLine cl, boolean debug) {
        cl.setUsageHelpWidth(USAGE_WIDTH);
        installExitCodes(cl);
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.FAILED);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine bad = ex.getCommandLine();
            PrintWriter err = bad.getErr();
            // picocli echoes the value typed, which may hold a newline or an escape sequence: one line, escaped
            err.println(commandName(bad) + ": " + Printable.escape(ex.getMessage()));
            bad.usage(err);
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((thrown, bad, parseResult) -> {
            PrintWriter err = bad.getErr();
            Exception ex = thrown instanceof UncheckedIOException u ? u.getCause() : thrown;
            if (ex instanceof UbdException) {
                err.println(commandName(bad) + ": " + ex.getMessage());
            } else if (ex instanceof FileSystemException f && f.getFile() != null) {
                // a path the user gave (an input, an output, a directory) that the system refused
                err.println(commandName(bad) + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile())
                        + ": " + CowPaths.describe(f));
            } else if (ex instanceof InterruptedException) {
                // a stop from outside (a server told to end, a harness's time limit): no bug of ours
                Thread.currentThread().interrupt();
                err.println(commandName(bad) + ": interrupted");
            } else if (ex instanceof IOException) {
                err.println(commandName(bad) + ": I/O error: " + CowPaths.describe((IOException) ex));
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

    /**
     * Refuses an output directory option that names something other than a directory, before the
     * work whose results it is to take (it may not exist yet: it is then made). Links are looked at
     * themselves first: a dangling link or a loop would otherwise look like a path that is free.
     */
    public static void requireOutDirectory(Path out, String option) {
        if (out == null || Files.isDirectory(out) || !Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String what = !Files.isSymbolicLink(out) ? "a file" : Files.exists(out) ? "a link to a file"
                : "a symbolic link that leads nowhere (dangling, or a loop)";
        throw new UbdException(out + ": " + option + " names " + what + ", not a directory");
    }

    /** The one exit-code table ({@link ExitCodes#table()}) in the help of this command and every subcommand. */
    private static void installExitCodes(CommandLine cl) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.table());
        cl.getSubcommands().values().forEach(CommandLines::installExitCodes);
    }

    private static String commandName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }
}
