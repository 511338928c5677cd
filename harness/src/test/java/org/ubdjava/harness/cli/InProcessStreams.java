package org.ubdjava.harness.cli;

import java.io.InputStream;
import java.io.OutputStream;

import picocli.CommandLine;

/**
 * For tests that run the whole {@code ubd} command line in-process ({@link UbdMain#commandLine}):
 * the two commands that use the process's own byte streams, {@code cat} (stdout) and {@code write}
 * (stdin), get test streams instead, so a test never writes the JVM's real stdout nor waits on its stdin.
 */
public final class InProcessStreams {
    private InProcessStreams() {
    }

    public static void redirect(CommandLine root, OutputStream catOut, InputStream writeIn) {
        ((CatCommand) root.getSubcommands().get("cat").getCommand()).out = catOut;
        ((WriteCommand) root.getSubcommands().get("write").getCommand()).in = writeIn;
    }
}
