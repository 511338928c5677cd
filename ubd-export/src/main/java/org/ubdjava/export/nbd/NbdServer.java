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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.AbstractExport;
import org.ubdjava.export.Endpoint;
import org.ubdjava.export.Servers;

/**
 * Serves the devices of one driver over NBD, each an export named after its device: an accept
 * thread, and per client a reader thread plus a reply-writer thread.
 *
 * <p>Its {@link #close} stops accepting, stops every connection's reading so that it answers what
 * is in flight and closes, flushes every device, closes the driver and removes the socket file.
 */
public final class NbdServer extends AbstractExport {
    /** How long close waits for clients to take their last replies before cutting them off. */
    static final long DRAIN_SECONDS = 30;

    private final ListenAddress address;
    private final Map<NbdConnection, Thread> connections = new HashMap<>();
    private final AtomicInteger clientCount = new AtomicInteger();
    private NbdExports exports;
    private ServerSocketChannel listener;

    /**
     * @param address where to listen ({@link ListenAddress#parse} reads {@code unix:PATH} and {@code tcp:HOST:PORT})
     * @param log     one line per event a person should see (client protocol errors)
     */
    public NbdServer(UbdDriver driver, List<UbdDeviceConfig> devices, ListenAddress address, KernelLog kernelLog, Consumer<String> log) {
        super(driver, devices, kernelLog, log);
        this.address = address;
    }

    @Override
    protected void checkAddresses() {
        address.check();
    }

    @Override
    protected List<Endpoint> serve(List<Disk> disks) throws IOException {
        exports = new NbdExports(disks.stream().map(NbdExport::of).toList());
        listener = address.bind();
        List<Endpoint> endpoints = new ArrayList<>();
        for (Disk d : disks) {
            endpoints.add(new Endpoint(d.name(), d.size(), d.readOnly(), address.uri(listener, d.name()), Optional.empty()));
        }
        Thread acceptor = new Thread(this::acceptLoop, "nbd-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return endpoints;
    }

    /** The NBD URI of an export, e.g. {@code nbd+unix:///ubda?socket=/abs/ubd.sock}. */
    public String uri(String export) throws IOException {
        return address.uri(listener, export);
    }

    boolean shuttingDown() {
        return closing();
    }

    private void acceptLoop() {
        while (!closing()) {
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
            if (closing()) {
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

    @Override
    protected void stopServing() throws IOException {
        try {
            listener.close();
            drainConnections();
            Servers.flush(driver, exports.all().stream().map(NbdExport::disk).toList(), log);
        } finally {
            address.cleanUp();
        }
    }

    @Override
    protected void abandon() {
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // nothing was accepted on it
            }
            address.cleanUp();
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

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
