package org.ubdjava.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.nbd.ListenAddress;
import org.ubdjava.export.nbd.NbdServer;
import org.ubdjava.export.vhost.VhostUserServer;

/** What every export does alike, whatever its protocol: the order of its start, its failures, its close. */
@Timeout(60)
class ExportLifecycleTest {
    enum Protocol {
        NBD, VHOST_USER;

        Export export(UbdDriver driver, Path socket, List<String> log, String... specs) {
            var configs = java.util.Arrays.stream(specs).map(UbdOptionParser::device).toList();
            return this == NBD ? new NbdServer(driver, configs, ListenAddress.parse("unix:" + socket), line -> { }, log::add)
                    : new VhostUserServer(driver, configs, socket, null, line -> { }, log::add);
        }
    }

    @TempDir
    Path dir;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void startedItServesEachDeviceAndClosingRemovesItsSocketAndReleasesItsDisks(Protocol protocol) throws Exception {
        Path socket = dir.resolve("s.sock");
        Path cow = dir.resolve("cow.img");
        Files.write(dir.resolve("back.img"), new byte[1 << 20]);
        UbdDriver driver = Servers.driver();
        Export export = protocol.export(driver, socket, log, "ubd0=" + cow + "," + dir.resolve("back.img"));
        assertEquals(List.of(), export.endpoints(), "nothing served before start");
        assertTrue(export.start() == export);
        Endpoint e = export.endpoints().get(0);
        assertEquals("ubda", e.name());
        assertEquals(1 << 20, e.size());
        assertFalse(e.readOnly());
        assertEquals(protocol == Protocol.NBD ? Optional.empty() : Optional.of("virtio_uml.device=" + socket + ":2"), e.guestArgument());
        assertTrue(e.address().contains(socket.toString()), e.address());
        assertTrue(e.readyLine().startsWith("ubda 1048576 rw " + e.address()), e.readyLine());
        assertTrue(Files.exists(socket) && Files.exists(cow));
        assertThrows(IllegalStateException.class, export::start, "an export starts once");

        AtomicBoolean returned = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                export.awaitClosed();
                returned.set(true);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        export.close();
        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(returned.get(), "awaitClosed returns once closed");
        assertFalse(Files.exists(socket), "the socket removed");
        assertThrows(IllegalStateException.class, () -> driver.attach("ubd0=" + dir.resolve("x.img"), line -> { }), "the driver closed");
        export.close(); // a second close is nothing
        assertEquals(List.of(), log);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aPathThatIsNotASocketIsRefusedBeforeAnyDeviceIsAttached(Protocol protocol) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "mine");
        Path cow = dir.resolve("cow.img");
        Files.write(dir.resolve("back.img"), new byte[1 << 20]);
        UbdDriver driver = Servers.driver();
        Export export = protocol.export(driver, file, log, "ubd0=" + cow + "," + dir.resolve("back.img"));
        UbdException e = assertThrows(UbdException.class, export::start);
        assertEquals(file + ": is a regular file, not a socket: a server listens on a new path or replaces a stale socket only",
                e.getMessage());
        assertFalse(Files.exists(cow), "the device was never attached: its COW file never made");
        assertEquals("mine", Files.readString(file));
        export.awaitClosed(); // a failed start is a closed export
        assertThrows(IllegalStateException.class, () -> driver.attach("ubd0=" + dir.resolve("x.img"), line -> { }), "the driver closed");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aSocketAnotherServerAnswersOnIsRefusedBeforeAnyDeviceIsAttachedAndAStaleOneReplaced(Protocol protocol) throws Exception {
        Path socket = dir.resolve("s.sock");
        Files.write(dir.resolve("back.img"), new byte[1 << 20]);
        try (Export first = protocol.export(Servers.driver(), socket, log, "ubd0=" + dir.resolve("a.cow") + "," + dir.resolve("back.img"))) {
            first.start();
            Export second = protocol.export(Servers.driver(), socket, log, "ubd0=" + dir.resolve("b.cow") + "," + dir.resolve("back.img"));
            UbdException e = assertThrows(UbdException.class, second::start);
            assertEquals(socket + ": another server is listening there", e.getMessage());
            assertFalse(Files.exists(dir.resolve("b.cow")), "never attached");
            assertTrue(Files.exists(socket), "the first server's socket stays");
        }
        // a socket file nobody answers on (a killed server's) is replaced
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (Export again = protocol.export(Servers.driver(), socket, log, "ubd0=" + dir.resolve("a.cow") + "," + dir.resolve("back.img"))) {
            again.start();
            assertEquals("ubda", again.endpoints().get(0).name());
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aDeviceThatCannotOpenFailsTheStartAndLeavesNoSocket(Protocol protocol) throws IOException {
        Path socket = dir.resolve("s.sock");
        Export export = protocol.export(Servers.driver(), socket, log, "ubd0r=" + dir.resolve("missing.img"));
        UbdException e = assertThrows(UbdException.class, export::start);
        assertEquals(dir.resolve("missing.img") + ": No such file or directory", e.getMessage());
        assertFalse(Files.exists(socket));
    }
}
