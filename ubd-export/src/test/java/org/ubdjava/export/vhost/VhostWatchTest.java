package org.ubdjava.export.vhost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.export.vhost.VhostTestClient.DATA;
import static org.ubdjava.export.vhost.VhostWireSpec.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

/**
 * The device's thread runs the requests itself and, after a burst, watches the ring with the
 * guest's kicks switched off: a request the guest makes available then needs no kick; once the
 * watch ends the kicks are on again, and a kicked request is taken as before.
 */
class VhostWatchTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    Path backing;
    byte[] backingBytes;

    @BeforeEach
    void backing() throws IOException {
        backing = CowFixtures.randomBacking(dir.resolve("back.img"), MIB, new Random(11));
        backingBytes = Files.readAllBytes(backing);
    }

    private VhostUserServer serve(UbdDriver driver, long pollMicros) throws IOException {
        VhostUserServer s = new VhostUserServer(driver, List.of(UbdOptionParser.device("ubd0=" + dir.resolve("cow.img") + "," + backing)),
                dir.resolve("vh.sock"), null, KernelLog.DISCARD, line -> { }, pollMicros);
        s.start();
        return s;
    }

    private byte[] readBack(VhostTestClient c, long at) {
        byte[] got = new byte[4096];
        c.mem.get(c.at(at), got);
        return got;
    }

    @Test
    void whileTheDeviceWatchesARequestNeedsNoKickAndAfterwardsKicksAreOnAgain() throws Exception {
        UbdDriver driver = Servers.driver(0);
        // a long window, so that this test's thread is surely inside it: 2 s after each request
        try (VhostUserServer s = serve(driver, 2_000_000); VhostTestClient c = new VhostTestClient(Path.of(s.endpoints().get(0).address()))) {
            c.setUp(16);
            assertEquals(0, c.usedFlags(), "no request yet: the device sleeps, kicks wanted");
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, 8, true, new long[] {DATA}, new int[] {4096}));
            assertEquals(VIRTQ_USED_F_NO_NOTIFY, c.usedFlags(), "watching after a request: the guest is asked not to kick");
            // no kick: the watching thread sees the available index move
            c.request(4, VIRTIO_BLK_T_IN, 16, true, new long[] {DATA + 0x1000}, new int[] {4096});
            c.publish(4);
            assertTrue(c.awaitUsed(++c.usedSeen, 1000), "a request published without a kick while the device watches is taken");
            assertEquals(VIRTIO_BLK_S_OK, c.statusOf(4));
            assertArrayEquals(Arrays.copyOfRange(backingBytes, 16 * SECTOR, 16 * SECTOR + 4096), readBack(c, DATA + 0x1000));
            // the window ends 2 s after the last request: the kicks are wanted again
            long end = System.nanoTime() + 10_000_000_000L;
            while (c.usedFlags() != 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(0, c.usedFlags(), "the watch is over: the guest must kick");
            assertEquals(VIRTIO_BLK_S_OK, c.run(8, VIRTIO_BLK_T_IN, 24, true, new long[] {DATA + 0x2000}, new int[] {4096}));
            assertArrayEquals(Arrays.copyOfRange(backingBytes, 24 * SECTOR, 24 * SECTOR + 4096), readBack(c, DATA + 0x2000));
        }
    }

    @Test
    void withoutPollingTheDeviceNeverAsksTheGuestToHoldItsKicks() throws Exception {
        try (VhostUserServer s = serve(Servers.driver(0), 0); VhostTestClient c = new VhostTestClient(Path.of(s.endpoints().get(0).address()))) {
            c.setUp(16);
            for (int i = 0; i < 20; i++) {
                assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, i, true, new long[] {DATA}, new int[] {4096}));
                assertEquals(0, c.usedFlags());
            }
        }
    }

    @Test
    void aGuestThatNeverPausesStillHasItsMessagesAnsweredAndTheServerStops() throws Exception {
        UbdDriver driver = Servers.driver(0);
        // a window of 20 s after each request: an answer or a stop within 5 s came from the watch's budget
        VhostUserServer s = serve(driver, 20_000_000);
        try (VhostTestClient c = new VhostTestClient(Path.of(s.endpoints().get(0).address()))) {
            c.setUp(16);
            assertEquals(VIRTIO_BLK_S_OK, c.run(0, VIRTIO_BLK_T_IN, 0, true, new long[] {DATA}, new int[] {4096}));
            // inside the watch (kicks off), a message on the socket: answered within the watch's budget
            long t0 = System.nanoTime();
            assertEquals(MIB / SECTOR, c.config(8).getLong(0), "capacity in sectors");
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "a message waits for at most the watch's budget, not its window");
        } finally {
            long t0 = System.nanoTime();
            s.close();
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "a stop is heard while the device watches");
        }
        assertTrue(driver.stats().completed(IoStatus.OK, false) >= 1, "the device's requests count in the driver's statistics");
    }
}
