package org.ubdjava.export.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

/**
 * Serves the exports of one driver over NBD: an accept thread, and per client a reader thread
 * plus a reply-writer thread. Owns the driver from {@link #start} on.
 *
 * <p>{@link #close} is the orderly shutdown (also what SIGINT/SIGTERM run): stop accepting, stop
 * every connection's reading so it answers what is in flight and closes, flush every device,
 * close the driver, remove the socket file.
 */
public final class NbdServer implements AutoCloseable {
    /** How long close waits for clients to take their last replies before cutting them off. */
    static final long DRAIN_SECONDS = 30;

    private final UbdDriver driver;
    private final NbdExports exports;
    private final ListenAddress address;
    private final Consumer<String> log;
    private final Map<NbdConnection, Thread> connections = new HashMap<>();
    private final AtomicInteger clientCount = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private ServerSocketChannel listener;
    private Thread acceptor;
    private volatile boolean closing;

    /**
     * @param listen {@code unix:PATH} or {@code tcp:HOST:PORT}
     * @param log    one line per event a person should see (client protocol errors)
     */
    public NbdServer(UbdDriver driver, List<org.ubdjava.driver.queue.Disk> disks, String listen, Consumer<String> log) {
        this.driver = driver;
        this.exports = new NbdExports(disks.stream().map(NbdExport::of).toList());
        this.address = ListenAddress.parse(listen);
        this.log = log;
    }

    public NbdServer start() throws IOException {
        listener = address.bind();
        acceptor = new Thread(this::acceptLoop, "nbd-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return this;
    }

    /** The NBD URI of an export, e.g. {@code nbd+unix:///ubda?socket=/abs/ubd.sock}. */
    public String uri(String export) throws IOException {
        return address.uri(listener, export);
    }

    boolean shuttingDown() {
        return closing;
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (ClosedChannelException stopped) {
                return;
            } catch (IOException e) {
                // e.g. out of file descriptors: say it, breathe, go on serving those already connected
                log.accept("accept failed: " + Servers.describe(e));
                sleepQuietly();
                continue;
            }
            startConnection(ch);
        }
    }

    private void startConnection(SocketChannel ch) {
        int n = clientCount.incrementAndGet();
        String peer;
        try {
            if (ch.getRemoteAddress() instanceof InetSocketAddress remote) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true); // replies are small and latency-bound
                peer = remote.toString();
            } else {
                peer = "#" + n;
            }
        } catch (IOException e) {
            peer = "#" + n;
        }
        NbdConnection c = new NbdConnection(ch, peer, exports, driver, this, log);
        Thread t = new Thread(c, "nbd-client-" + n);
        t.setDaemon(true);
        synchronized (connections) {
            if (closing) {
                c.forceClose();
                return;
            }
            connections.put(c, t);
        }
        t.start();
    }

    void ended(NbdConnection c) {
        synchronized (connections) {
            connections.remove(c);
            connections.notifyAll();
        }
    }

    /** Blocks until {@link #close} has finished (from any thread, e.g. a shutdown hook). */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (listener != null) {
                listener.close();
            }
            drainConnections();
            flushAll();
        } finally {
            try {
                driver.close();
            } finally {
                address.cleanUp();
                closed.countDown();
            }
        }
    }

    private void drainConnections() {
        List<NbdConnection> open;
        synchronized (connections) {
            open = new ArrayList<>(connections.keySet());
        }
        open.forEach(NbdConnection::stopReading);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
        synchronized (connections) {
            try {
                while (!connections.isEmpty() && System.nanoTime() < deadline) {
                    connections.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!connections.isEmpty()) {
                log.accept(connections.size() + " client(s) did not take their replies within " + DRAIN_SECONDS + " s; cut off");
                connections.keySet().forEach(NbdConnection::forceClose);
            }
        }
    }

    /** Every completed write durable before the driver lets go of the files. */
    private void flushAll() {
        Map<NbdExport, CompletableFuture<IoStatus>> flushes = new java.util.LinkedHashMap<>();
        try {
            for (NbdExport e : exports.all()) {
                if (!e.readOnly()) {
                    flushes.put(e, driver.submit(e.disk(), IoOp.FLUSH, 0, null, 0));
                }
            }
        } catch (IllegalStateException closed) {
            // closed by someone else than this server: what it had done is all there is
            log.accept("flush at shutdown: " + Servers.describe(closed));
        }
        flushes.forEach((e, f) -> {
            IoStatus s = f.join();
            if (s != IoStatus.OK) {
                log.accept(e.name() + ": flush at shutdown failed: " + s);
            }
        });
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
