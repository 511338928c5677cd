package org.ubdjava.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;

/** Runs one command in-process, as bin/ubd would, and keeps exit code, stdout and stderr. */
record CliRun(int exit, String out, String err) {
    static CliRun of(Object command, String... args) {
        return of(CommandLines.create(command, false), args);
    }

    /** The whole application, {@code ubd ARGS}. */
    static CliRun ubd(String... args) {
        return of(UbdMain.commandLine(false), args);
    }

    private static CliRun of(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
