package org.ubdjava.export.vhost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

/**
 * A vhost-user back-end for virtio-blk over one driver: one socket and one thread per device
 * ({@link VhostUserDevice}). With one device the socket is PATH; with several, PATH.ubda,
 * PATH.ubdb, ... A User-Mode Linux guest attaches with {@code virtio_uml.device=SOCKET:2}.
 *
 * <p>Owns the driver from {@link #start} on. {@link #close} (also what SIGINT/SIGTERM run) ends
 * every session as a disconnect would (requests complete, disks flushed and released), removes
 * the sockets and closes the driver.
 */
public final class VhostUserServer implements AutoCloseable {
    public static final String SCHEME = "vhost-user:";

    /** A device as served: its socket, and its size and mode as attached at start. */
    public record Endpoint(String name, long size, boolean readOnly, Path socket) {
        /** The linux.uml argument that attaches a guest to this device: {@code virtio_uml.device=SOCKET:2}. */
        public String umlArgument() {
            return "virtio_uml.device=" + socket + ":" + VirtioBlkConfig.VIRTIO_ID_BLOCK;
        }
    }

    private final UbdDriver driver;
    private final List<UbdDeviceConfig> configs;
    private final Path path;
    private final Path recordDir;
    private final KernelLog kernelLog;
    private final Consumer<String> log;
    private final List<VhostUserDevice> devices = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;
    private long warmUpMillis;

    /**
     * @param recordDir where each device's requests go as DIR/NAME.iolog, or null
     * @param log       one line per event a person should see (a front-end's protocol error, a release)
     */
    public VhostUserServer(UbdDriver driver, List<UbdDeviceConfig> configs, Path path, Path recordDir, KernelLog kernelLog,
                           Consumer<String> log) {
        this.driver = driver;
        this.configs = List.copyOf(configs);
        this.path = path.toAbsolutePath();
        this.recordDir = recordDir;
        this.kernelLog = kernelLog;
        this.log = log;
    }

    /** The socket of each device, as the command line names them. */
    public static Path socketOf(Path path, String device, int devices) {
        return devices == 1 ? path : path.resolveSibling(path.getFileName() + "." + device);
    }

    /**
     * Has {@link #start} warm the driver's request path for at most {@code millis} once every
     * device is attached, before any is served ({@link Servers#warmUp}; 0, the default: not).
     */
    public VhostUserServer warmUpFirst(long millis) {
        warmUpMillis = millis;
        return this;
    }

    public VhostUserServer start() throws IOException {
        try {
            if (recordDir != null) {
                Files.createDirectories(recordDir);
            }
            for (UbdDeviceConfig c : configs) {
                IologRecorder r = recordDir == null ? null : IologRecorder.create(recordDir, c.name());
                VhostUserDevice d;
                try {
                    d = new VhostUserDevice(driver, c, kernelLog, socketOf(path, c.name(), configs.size()), r, log);
                } catch (RuntimeException e) {
                    if (r != null) {
                        r.close();
                    }
                    throw e;
                }
                devices.add(d);
                Disk disk = d.initialDisk();
                endpoints.add(new Endpoint(d.name(), disk.size(), disk.readOnly(), d.socketPath()));
            }
            Servers.warmUp(driver, warmUpMillis);
        } catch (IOException | RuntimeException e) {
            for (VhostUserDevice d : devices) {
                d.stop();
                d.run(); // returns at once: releases the disk, removes the socket
                d.closeStopFd();
            }
            devices.clear();
            driver.close();
            if (e instanceof IOException io && recordDir != null) {
                throw new UbdException(recordDir + ": cannot record: " + io.getMessage(), io);
            }
            throw e;
        }
        for (VhostUserDevice d : devices) {
            Thread t = new Thread(d, "vhost-user-" + d.name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    public List<Endpoint> endpoints() {
        return List.copyOf(endpoints);
    }

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
            devices.forEach(VhostUserDevice::stop);
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            devices.forEach(VhostUserDevice::closeStopFd);
        } finally {
            try {
                driver.close();
            } finally {
                closed.countDown();
            }
        }
    }
}
