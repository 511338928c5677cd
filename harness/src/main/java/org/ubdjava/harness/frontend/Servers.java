package org.ubdjava.harness.frontend;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

import org.ubdjava.driver.queue.UbdDriver;

import picocli.CommandLine.Model.CommandSpec;

/** What every front-end's serve command does alike. */
public final class Servers {
    /**
     * How long a server's I/O thread keeps polling its ring after the last request, by default.
     * A UML guest's next request at depth 1 comes 50-70 us after the last completed (fio's 4 KiB
     * reads in the guest): a window of 100 us takes it without a wake-up, and 4 KiB requests at
     * depth 1 went from 6.1 K to 10.1 K IOPS in the guest (bench/README.md). 50 us missed often.
     */
    public static final long POLL_MICROS = 100;

    private Servers() {
    }

    /**
     * An exception as a server's log line says it, never "null": its message, or when it has none
     * (a ClosedChannelException has none) its class, in words a person can search for.
     */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e instanceof java.nio.channels.ClosedChannelException ? "the connection was closed"
                    : e.getClass().getSimpleName();
        }
        // a checked exception's message is written for people; an unchecked one is a bug, which its class names
        boolean bug = (e instanceof RuntimeException || e instanceof Error) && !(e instanceof org.ubdjava.core.UbdException);
        return bug ? e.getClass().getSimpleName() + ": " + m : m;
    }

    /**
     * Refuses a path a server is to listen on when something other than a socket is there, in one
     * line naming it and what it is: only a socket (a stale one of an earlier server, which binding
     * replaces) may be replaced, never a file, a directory or a FIFO someone else made. Servers
     * ask before they attach any device, so a refused address leaves every disk untouched.
     */
    public static void requireSocketOrFree(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String kind = Files.isSymbolicLink(path) ? "a symbolic link" : RegularFiles.irregularKind(path).orElse("a regular file");
        if (!kind.equals("a socket")) {
            throw new UbdException(path + ": is " + kind + ", not a socket: a server listens on a new path or replaces a stale socket only");
        }
    }

    /** The driver a server runs on: the default driver, its I/O threads polling for {@link #POLL_MICROS} after a burst. */
    public static UbdDriver driver() {
        return driver(POLL_MICROS);
    }

    /** The driver a server runs on: the default driver, its I/O threads polling for {@code pollMicros} after a burst. */
    public static UbdDriver driver(long pollMicros) {
        return new UbdDriver(UbdDriver.Config.defaults().withPolling(Duration.ofNanos(pollMicros * 1000)));
    }

    /**
     * Closes {@code server} on SIGINT or SIGTERM, as an orderly stop: it stops accepting, answers
     * what is in flight, flushes and releases its disks, removes its sockets; whoever waits for it
     * to close then returns, and the command exits 0 (the JVM's own handlers would exit 130 or
     * 143 from its shutdown hooks). Any other way the JVM ends (SIGHUP, System.exit) still closes
     * it, from a shutdown hook. A failure to close is one line.
     */
    public static void closeOnSignal(CommandSpec spec, AutoCloseable server, String threadName) {
        PrintWriter err = spec.commandLine().getErr();
        Runnable close = () -> {
            try {
                server.close();
            } catch (Exception e) {
                err.println(spec.qualifiedName() + ": shutdown: " + describe(e));
                err.flush();
            }
        };
        onStopSignal(() -> {
            Thread t = new Thread(close, threadName);
            t.setDaemon(true);
            t.start();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(close, threadName + "-at-exit"));
    }

    /**
     * Runs {@code action} on SIGINT and SIGTERM instead of ending the JVM (on the JVM's signal
     * thread: start a thread for anything long). Where signals cannot be caught, the JVM's
     * default stays.
     */
    @SuppressWarnings("removal")
    public static void onStopSignal(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                // not catchable here (the JVM runs with -Xrs, or the signal is reserved): its default stays
            }
        }
    }
}
