package org.ubdjava.export.vhost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.AbstractExport;
import org.ubdjava.export.Endpoint;
import org.ubdjava.export.Servers;

/**
 * A vhost-user back-end for virtio-blk over one driver: one socket and one thread per device
 * ({@link VhostUserDevice}), which also runs the device's requests. With one device the socket is PATH; with several, PATH.ubda,
 * PATH.ubdb, ... A User-Mode Linux guest attaches with {@code virtio_uml.device=SOCKET:2}.
 *
 * <p>Its {@link #close} ends every session as a disconnect would (requests complete, disks
 * flushed and released), removes the sockets and closes the driver.
 */
public final class VhostUserServer extends AbstractExport {
    public static final String SCHEME = "vhost-user:";

    /** Each device's socket, in the order of the devices. */
    private final List<Path> sockets;
    private final Path recordDir;
    private final long pollNanos;
    private final List<VhostUserDevice> devices = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param path      the socket, or with several devices the stem of theirs ({@link #socketOf})
     * @param recordDir where each device's requests go as DIR/NAME.iolog, or null
     * @param log       one line per event a person should see (a front-end's protocol error, a release)
     */
    public VhostUserServer(UbdDriver driver, List<UbdDeviceConfig> configs, Path path, Path recordDir, KernelLog kernelLog,
                           Consumer<String> log) {
        this(driver, configs, path, recordDir, kernelLog, log, Servers.POLL_MICROS);
    }

    /**
     * @param pollMicros how long each device's thread watches its ring after the guest's last
     *                   request before it sleeps until a kick (0: at once). The driver's own I/O
     *                   threads need not poll: a device's requests run on its thread.
     */
    public VhostUserServer(UbdDriver driver, List<UbdDeviceConfig> configs, Path path, Path recordDir, KernelLog kernelLog,
                           Consumer<String> log, long pollMicros) {
        super(driver, configs, kernelLog, log);
        if (pollMicros < 0) {
            throw new IllegalArgumentException("polling time must not be negative, not " + pollMicros + " us");
        }
        this.pollNanos = pollMicros * 1000;
        Path p = path.toAbsolutePath();
        this.sockets = configs.stream().map(c -> socketOf(p, c.name(), configs.size())).toList();
        this.recordDir = recordDir;
    }

    /** The socket path of {@code listen}, {@code vhost-user:PATH}; an IllegalArgumentException says what is wrong with it. */
    public static Path parse(String listen) {
        if (!listen.startsWith(SCHEME) || listen.length() == SCHEME.length()) {
            throw new IllegalArgumentException("\"" + listen + "\": expected " + SCHEME + "PATH");
        }
        return Path.of(listen.substring(SCHEME.length()));
    }

    /** The socket of each device, as the command line names them. */
    public static Path socketOf(Path path, String device, int devices) {
        return devices == 1 ? path : path.resolveSibling(path.getFileName() + "." + device);
    }

    /** The linux.uml argument that attaches a guest to the device at {@code socket}: {@code virtio_uml.device=SOCKET:2}. */
    public static String umlArgument(Path socket) {
        return "virtio_uml.device=" + socket + ":" + VirtioBlkConfig.VIRTIO_ID_BLOCK;
    }

    @Override
    protected void checkAddresses() {
        sockets.forEach(Servers::requireListenable);
    }

    @Override
    protected List<Endpoint> serve(List<Disk> disks) throws IOException {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            Disk disk = disks.get(i);
            VhostUserDevice d = new VhostUserDevice(driver, disk, kernelLog, sockets.get(i), recorder(disk), log, pollNanos);
            devices.add(d);
            d.listen();
            endpoints.add(new Endpoint(disk.name(), disk.size(), disk.readOnly(), d.socketPath().toString(),
                    Optional.of(umlArgument(d.socketPath()))));
        }
        for (VhostUserDevice d : devices) {
            Thread t = new Thread(d, "vhost-user-" + d.name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return endpoints;
    }

    private IologRecorder recorder(Disk disk) {
        if (recordDir == null) {
            return null;
        }
        try {
            Files.createDirectories(recordDir);
            return IologRecorder.create(recordDir, disk.name());
        } catch (IOException e) {
            throw new UbdException(recordDir + ": cannot record: " + e.getMessage(), e);
        }
    }

    @Override
    protected void stopServing() {
        devices.forEach(VhostUserDevice::stop);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        devices.forEach(VhostUserDevice::closeStopFd);
    }

    @Override
    protected void abandon() {
        devices.forEach(VhostUserDevice::abandon);
    }
}
