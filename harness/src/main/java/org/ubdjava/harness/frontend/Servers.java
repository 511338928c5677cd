package org.ubdjava.harness.frontend;

import java.io.PrintWriter;

import picocli.CommandLine.Model.CommandSpec;

/** What every front-end's serve command does alike. */
public final class Servers {
    private Servers() {
    }

    /**
     * Closes {@code server} when the JVM is asked to stop (SIGINT, SIGTERM): it stops accepting,
     * answers what is in flight, flushes and releases its disks; a failure there is one line.
     */
    public static void closeAtExit(CommandSpec spec, AutoCloseable server, String threadName) {
        PrintWriter err = spec.commandLine().getErr();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                err.println(spec.qualifiedName() + ": shutdown: " + e.getMessage());
                err.flush();
            }
        }, threadName));
    }
}
