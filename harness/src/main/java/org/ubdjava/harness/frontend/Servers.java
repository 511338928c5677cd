package org.ubdjava.harness.frontend;

import java.io.PrintWriter;
import java.time.Duration;

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

    /** The driver a server runs on: the default driver, its I/O threads polling for {@link #POLL_MICROS} after a burst. */
    public static UbdDriver driver() {
        return driver(POLL_MICROS);
    }

    /** The driver a server runs on: the default driver, its I/O threads polling for {@code pollMicros} after a burst. */
    public static UbdDriver driver(long pollMicros) {
        return new UbdDriver(UbdDriver.Config.defaults().withPolling(Duration.ofNanos(pollMicros * 1000)));
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
                err.println(spec.qualifiedName() + ": shutdown: " + describe(e));
                err.flush();
            }
        }, threadName));
    }
}
