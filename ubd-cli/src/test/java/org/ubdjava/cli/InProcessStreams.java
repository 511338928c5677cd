package org.ubdjava.cli;

import java.io.InputStream;
import java.io.OutputStream;

import picocli.CommandLine;

/**
 * For tests that run a {@code ubd} command line in-process: the two commands that use the
 * process's own byte streams, {@code cat} (stdout) and {@code write} (stdin), get test streams
 * instead, so a test never writes the JVM's real stdout nor waits on its stdin.
 */
public final class InProcessStreams {
    private InProcessStreams() {
    }

    /** Sets them on {@code cl}'s command and on every subcommand of it that is cat or write. */
    public static void redirect(CommandLine cl, OutputStream catOut, InputStream writeIn) {
        Object c = cl.getCommand();
        if (c instanceof CatCommand cat) {
            cat.out = catOut;
        } else if (c instanceof WriteCommand write) {
            write.in = writeIn;
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            redirect(sub, catOut, writeIn);
        }
    }
}
