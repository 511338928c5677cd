package org.ubdjava.export.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * A server in this JVM over a random backing file: ubda is a COW device over it (writable),
 * ubdb the backing file itself read-only, ubdc a raw image with 't'.
 */
final class NbdFixture implements AutoCloseable {
    static final long SIZE = 8L << 20;

    final Path dir;
    final Path backing;
    final Path cow;
    final Path socket;
    final NbdServer server;
    /** The server's driver, for tests that break things under it. */
    final UbdDriver driver;
    final List<String> log = new ArrayList<>();

    NbdFixture(Path dir) throws IOException {
        this(dir, "unix:" + dir.resolve("s.sock"));
    }

    NbdFixture(Path dir, String listen) throws IOException {
        this.dir = dir;
        this.backing = CowFixtures.randomBacking(dir.resolve("back.img"), SIZE, new Random(42));
        this.cow = dir.resolve("cow.img");
        this.socket = dir.resolve("s.sock");
        Files.write(dir.resolve("raw.img"), new byte[(int) SIZE]);
        driver = new UbdDriver();
        List<UbdDeviceConfig> devices = List.of(UbdOptionParser.device("ubd0=" + cow + "," + backing),
                UbdOptionParser.device("ubd1r=" + backing), UbdOptionParser.device("ubd2t=" + dir.resolve("raw.img")));
        server = new NbdServer(driver, devices, ListenAddress.parse(listen), KernelLog.DISCARD, line -> {
            synchronized (log) {
                log.add(line);
            }
        });
        server.start();
    }

    String uri(String export) throws IOException {
        return server.uri(export);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** qemu-io and qemu-img, the clients that write through an export and read it back. */
    record Qemu(String io, String img) {
    }

    /** Both of {@link Qemu}, or the calling test skipped as {@link #tool} skips it. */
    static Qemu qemu(String testClass) {
        return new Qemu(tool("qemu-io", testClass), tool("qemu-img", testClass));
    }

    /** Skips the calling test, saying so on stderr, when a client program is not installed. */
    static String tool(String program, String testClass) {
        var found = RealTools.find(program);
        if (found.isEmpty()) {
            System.err.println("*** NBD INTEROP TESTS SKIPPED in " + testClass + ": " + program
                    + " is not installed (apt-get install -y libnbd-bin qemu-utils fio)");
        }
        Assumptions.assumeTrue(found.isPresent(), program + " missing");
        return found.get().toString();
    }
}
