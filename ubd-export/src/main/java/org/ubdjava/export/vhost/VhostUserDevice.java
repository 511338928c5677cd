package org.ubdjava.export.vhost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import org.ubdjava.core.nativeio.LibC;
import org.ubdjava.core.nativeio.PollSet;
import org.ubdjava.core.nativeio.UnixSocket;

/**
 * One device served over its own socket, by its own thread: it waits (poll) on the listening
 * socket, the connected front-end's socket and the queue's kick descriptor.
 *
 * <p>One front-end at a time; another that connects meanwhile is refused. The disk is attached
 * while a front-end is connected (and from start until the first one leaves, so that a bad SPEC
 * fails at start): when the front-end goes, whether it powered off, was killed or broke the
 * protocol, its requests complete, the disk is flushed and detached (its locks dropped), and the
 * next front-end attaches it again.
 */
final class VhostUserDevice implements Runnable {
    private static final int POLL_STOP = 0;
    private static final int POLL_LISTEN = 1;
    private static final int POLL_CONNECTION = 2;
    private static final int POLL_KICK = 3;
    private static final int POLL_ENTRIES = 4;
    /**
     * Longest a device watches its ring without a look at its socket and stop descriptor: a guest
     * that never pauses still gets its messages answered, and a stop heard, within a millisecond.
     */
    private static final long WATCH_BUDGET_NANOS = 1_000_000;

    private final UbdDriver driver;
    private final UbdDeviceConfig config;
    private final KernelLog kernelLog;
    private final Path socketPath;
    private final IologRecorder recorder;
    private final Consumer<String> log;
    private final long pollNanos;
    private final PollSet poll = new PollSet(POLL_ENTRIES);
    private final Memory stopValue = new Memory(8);
    private int stopFd = -1;
    private int listenFd = -1;
    private Disk disk;
    private VhostUserSession session;
    private volatile boolean stopping;
    /** The ring is watched ({@link BlkQueue#watch}): look at the descriptors without waiting, then watch on. */
    private boolean watching;

    /**
     * @param disk      attached, served from start until the first front-end leaves
     * @param pollNanos how long the thread watches the ring after the last request before it sleeps (0: at once)
     */
    VhostUserDevice(UbdDriver driver, Disk disk, KernelLog kernelLog, Path socketPath, IologRecorder recorder, Consumer<String> log,
                    long pollNanos) {
        this.driver = driver;
        this.disk = disk;
        this.config = disk.config();
        this.kernelLog = kernelLog;
        this.socketPath = socketPath;
        this.recorder = recorder;
        this.log = log;
        this.pollNanos = pollNanos;
        stopValue.setLong(0, 1);
    }

    /** Binds the socket (a stale one there replaced), and makes the descriptor {@link #stop} wakes the thread with. */
    void listen() {
        stopFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        Servers.removeStaleSocket(socketPath);
        listenFd = UnixSocket.listen(socketPath);
    }

    String name() {
        return config.name();
    }

    Path socketPath() {
        return socketPath;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                pollOnce();
            }
        } catch (RuntimeException | Error e) {
            log.accept(name() + ": stopped serving: " + e);
        } finally {
            shutDown();
        }
    }

    /** Lets go of all but the stop descriptor: the session, the socket and its file, the disk (flushed), the recording. */
    private void shutDown() {
        endSession(null);
        if (listenFd >= 0) {
            LibC.closeQuietly(listenFd);
            listenFd = -1;
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException ignored) {
                // a stale socket is replaced by the next server
            }
        }
        release();
        if (recorder != null) {
            try {
                recorder.close();
            } catch (IOException e) {
                log.accept(name() + ": " + recorder.path() + ": " + Servers.describe(e));
            }
        }
    }

    /** Lets go of everything of a device whose thread never ran (its server failed to start). */
    void abandon() {
        shutDown();
        closeStopFd();
    }

    private void pollOnce() {
        int kick = session == null ? -1 : session.kickFd();
        poll.set(POLL_STOP, stopFd);
        poll.set(POLL_LISTEN, listenFd);
        poll.set(POLL_CONNECTION, session == null ? -1 : session.socketFd());
        poll.set(POLL_KICK, kick);
        boolean ready = poll.await(watching ? 0 : -1);
        if (ready && (poll.ready(POLL_STOP) || stopping)) {
            stopping = true;
            return;
        }
        boolean took = false;
        if (ready && poll.ready(POLL_KICK) && session != null) {
            took = true;
            serve(() -> session.kicked());
        }
        if (ready && poll.ready(POLL_CONNECTION) && session != null) {
            serve(() -> {
                if (!session.serveOne()) {
                    endSession("the front-end disconnected");
                }
            });
        }
        if (ready && poll.ready(POLL_LISTEN)) {
            accept();
        }
        watch(took || watching);
    }

    /** After requests were taken, watches the ring for the next ones ({@link BlkQueue#watch}). */
    private void watch(boolean wanted) {
        watching = false;
        if (wanted && session != null && pollNanos > 0) {
            serve(() -> watching = session.watch(pollNanos, WATCH_BUDGET_NANOS) == BlkQueue.WATCHING);
        }
    }

    private interface Step {
        void run() throws VhostProtocolException, IOException;
    }

    /** Runs a step of the session; a broken protocol or socket ends this session only. */
    private void serve(Step step) {
        try {
            step.run();
        } catch (VhostProtocolException e) {
            log.accept(name() + ": " + Servers.describe(e) + "; connection closed");
            endSession(null);
        } catch (IOException e) {
            log.accept(name() + ": " + Servers.describe(e) + "; connection closed");
            endSession(null);
        }
    }

    private void accept() {
        UnixSocket s;
        try {
            s = UnixSocket.accept(listenFd);
        } catch (LastErrorException e) {
            log.accept(name() + ": accept failed: " + LibC.describe(e));
            return;
        }
        if (session != null) {
            log.accept(name() + ": a second front-end connected while one is served; refused");
            s.close();
            return;
        }
        if (disk == null) {
            try {
                disk = driver.attach(config, kernelLog);
            } catch (UbdException e) {
                log.accept(name() + ": cannot attach for a new front-end: " + Servers.describe(e));
                s.close();
                return;
            }
        }
        session = new VhostUserSession(new ServedDisk(driver, disk, recorder, log), s);
    }

    /** Ends the session (if any) and lets the disk go: flushed, detached, its locks dropped. */
    private void endSession(String why) {
        if (session == null) {
            return;
        }
        session.close();
        session = null;
        release();
        if (recorder != null) {
            recorder.flush();
        }
        if (why != null) {
            log.accept(name() + ": " + why + "; disk flushed and released");
        }
    }

    private void release() {
        if (disk == null) {
            return;
        }
        Disk d = disk;
        disk = null;
        Servers.flush(driver, List.of(d), log);
        try {
            driver.detachIdle(d);
        } catch (IOException | IllegalStateException e) {
            log.accept(name() + ": release failed: " + Servers.describe(e));
        }
    }

    /** Asks the thread to stop: it ends its session as a disconnect would, then returns. */
    void stop() {
        stopping = true;
        try {
            LibC.write(stopFd, stopValue, 8);
        } catch (LastErrorException ignored) {
            // the counter is already set: the thread wakes either way
        }
    }

    void closeStopFd() {
        LibC.closeQuietly(stopFd);
    }
}
