package org.ubdjava.export.vhost;

import org.ubdjava.realtools.UmlKernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.export.Servers;

/** A vhost-user server in this JVM over SPECs, with what it logged. */
public final class VhostFixture implements AutoCloseable {
    /** Where Debian's user-mode-linux puts the guest's virtio_blk module (the guest's own uname -r). */
    public static final String MODULE_GLOB = "/usr/lib/uml/modules/*/kernel/drivers/block/virtio_blk.ko";
    /** Loads virtio_blk in the guest; mounts the guest's own sysfs (/sys through hostfs is the host's). */
    public static final String INSMOD = "mount -t sysfs sysfs /sys || exit 8\n"
            + "insmod " + UmlKernel.VIRTIO_BLK_MODULE + " || exit 9\n";

    public final VhostUserServer server;
    public final List<String> log = Collections.synchronizedList(new ArrayList<>());
    public final List<String> kernelLog = Collections.synchronizedList(new ArrayList<>());

    public VhostFixture(Path socket, Path record, String... specs) throws IOException {
        List<UbdDeviceConfig> configs = new ArrayList<>();
        for (String s : specs) {
            configs.add(((ParseOutcome.Configured) new UbdOptionParser().parse(s)).device());
        }
        server = new VhostUserServer(Servers.driver(), configs, socket, record, kernelLog::add, log::add);
        server.start();
    }

    public Path socket(int i) {
        return Path.of(server.endpoints().get(i).address());
    }

    /** The kernel argument that attaches device i as the guest's next /dev/vdX. */
    public String deviceArg(int i) {
        return "virtio_uml.device=" + socket(i) + ":" + VhostWireSpec.VIRTIO_ID_BLOCK;
    }

    /** Skips the calling test, visibly, when the guest's virtio_blk module is not installed. */
    public static void requireModule(String testClass) throws IOException {
        boolean found;
        Path modules = Path.of("/usr/lib/uml/modules");
        try (var s = Files.exists(modules) ? Files.find(modules, 6, (p, a) -> p.endsWith("kernel/drivers/block/virtio_blk.ko"))
                : java.util.stream.Stream.<Path>empty()) {
            found = s.findAny().isPresent();
        }
        if (!found) {
            System.err.println("*** VHOST-USER KERNEL TESTS SKIPPED in " + testClass + ": the guest's virtio_blk module ("
                    + MODULE_GLOB + ") is not installed (apt-get install -y user-mode-linux)");
        }
        Assumptions.assumeTrue(found, "virtio_blk.ko missing");
    }

    /** Waits until the server logged a line containing text (a release happens after the guest is gone). */
    public boolean awaitLog(String text, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            synchronized (log) {
                if (log.stream().anyMatch(l -> l.contains(text))) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
