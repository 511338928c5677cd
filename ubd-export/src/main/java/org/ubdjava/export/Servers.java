package org.ubdjava.export;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/** What every {@link Export} does alike: its driver, its warm-up, its sockets, its log lines, its stop on a signal. */
public final class Servers {
    /**
     * How long the thread that takes a server's requests keeps watching for the next after the
     * last, by default: an NBD server's I/O thread its ring, a vhost-user device's thread its
     * queue. A UML guest's next request at depth 1 comes 20-80 us after the last completed (fio's
     * 4 KiB requests in the guest): a window of 100 us takes most without a thread wake-up (about
     * 25 us here; bench/README.md); a window of 50 us misses it often.
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
            return e instanceof ClosedChannelException ? "the connection was closed"
                    : e.getClass().getSimpleName();
        }
        // a checked exception's message is written for people; an unchecked one is a bug, which its class names
        boolean bug = (e instanceof RuntimeException || e instanceof Error) && !(e instanceof UbdException);
        return bug ? e.getClass().getSimpleName() + ": " + m : m;
    }

    /**
     * Refuses, in one line naming it, a path a server could not listen on without harm: anything
     * but a socket is someone else's (a file, a directory, a FIFO) and never replaced, and a socket
     * another server answers on is that server's. A socket nobody answers on is left over from a
     * killed server: binding replaces it ({@link #removeStaleSocket}). Servers ask before they
     * attach any device, so a refused address leaves every disk untouched.
     */
    public static void requireListenable(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String kind = Files.isSymbolicLink(path) ? "a symbolic link" : RegularFiles.irregularKind(path).orElse("a regular file");
        if (!kind.equals("a socket")) {
            throw new UbdException(path + ": is " + kind + ", not a socket: a server listens on a new path or replaces a stale socket only");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new UbdException(path + ": another server is listening there");
        } catch (IOException refused) {
            // stale: binding may replace it
        }
    }

    /** Makes way for a server to bind {@code path}: removes a stale socket there, refuses what {@link #requireListenable} refuses. */
    public static void removeStaleSocket(Path path) {
        requireListenable(path);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UbdException(path + ": cannot remove the stale socket: " + describe(e), e);
        }
    }

    /**
     * Makes every completed write of {@code disks} durable, the disks' flushes at once (their
     * syncs share the file system's journal commit); a flush that fails is one line naming its
     * disk. A server calls it before it lets its disks go, when no client is left to flush them.
     */
    public static void flush(UbdDriver driver, List<Disk> disks, Consumer<String> log) {
        Map<Disk, CompletableFuture<IoStatus>> flushes = new LinkedHashMap<>();
        for (Disk d : disks) {
            if (d.readOnly()) {
                continue;
            }
            try {
                flushes.put(d, driver.submit(d, IoOp.FLUSH, 0, null, 0));
            } catch (IllegalStateException closed) {
                // the driver closed by someone else than the server: what it had done is all there is
                log.accept(d.name() + ": flush on release: " + describe(closed));
                break;
            }
        }
        flushes.forEach((d, f) -> {
            IoStatus s = f.join();
            if (s != IoStatus.OK) {
                log.accept(d.name() + ": flush on release failed: " + s);
            }
        });
    }

    /**
     * The longest a server spends warming its request path before it accepts guests, unless told:
     * a fresh JVM's request path reaches its steady speed in well under a second here, where the
     * warm-up stops ({@link RequestPathWarmUp}).
     */
    public static final int DEFAULT_WARM_UP_MILLIS = 1000;

    /**
     * Warms {@code driver}'s request path for at most {@code millis} (0: not at all): a server
     * calls it once its devices are attached (a wrong device fails at once, not after a warm-up),
     * before it accepts anyone. A warm-up that fails says how to start without it; the caller
     * releases its devices as for any failure to start.
     */
    public static void warmUp(UbdDriver driver, long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            RequestPathWarmUp.run(driver, millis);
        } catch (IOException e) {
            throw new UbdException("the warm-up on a scratch device failed: " + describe(e) + " (--warm-up 0 starts without it)", e);
        }
    }

    /** The driver a server runs on: the default driver, its I/O threads polling for {@link #POLL_MICROS} after a burst. */
    public static UbdDriver driver() {
        return driver(POLL_MICROS);
    }

    /** The driver a server runs on: the default driver, its I/O threads polling for {@code pollMicros} after a burst. */
    public static UbdDriver driver(long pollMicros) {
        return new UbdDriver(DriverConfig.defaults().withPolling(Duration.ofNanos(pollMicros * 1000)));
    }

    /**
     * Closes {@code export} on SIGINT or SIGTERM, as an orderly stop: it stops accepting, answers
     * what is in flight, flushes and releases its disks, removes its sockets; whoever waits for it
     * to close then returns, and the command exits 0 (the JVM's own handlers would exit 130 or
     * 143 from its shutdown hooks). Any other way the JVM ends (SIGHUP, System.exit) still closes
     * it, from a shutdown hook. A failure to close is one line to {@code log}.
     */
    public static void closeOnSignal(Export export, Consumer<String> log) {
        String threadName = "export-shutdown";
        Runnable close = () -> {
            try {
                export.close();
            } catch (Exception e) {
                log.accept("shutdown: " + describe(e));
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
