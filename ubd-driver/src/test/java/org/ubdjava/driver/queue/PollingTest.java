package org.ubdjava.driver.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;

/** I/O threads that poll their ring for a while after a burst ({@link DriverConfig#withPolling}). */
class PollingTest {
    @TempDir
    Path dir;

    @Test
    void aPollingDriverServesRequestsAndItsThreadSleepsAfterTheWindow() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), 1 << 20, new Random(3));
        Set<Long> before = ioThreads();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (UbdDriver driver = new UbdDriver(DriverConfig.defaults().withPolling(Duration.ofMillis(20)))) {
            Disk d = driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            byte[] data = new byte[4096];
            new Random(4).nextBytes(data);
            // a burst: each request submitted right after the last completed, inside the window
            for (int i = 0; i < 200; i++) {
                assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, i * 4096L, ByteBuffer.wrap(data), 0).join());
                ByteBuffer got = ByteBuffer.allocate(4096);
                assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, i * 4096L, got, 0).join());
                assertArrayEquals(data, got.array(), "sector " + i * 8);
            }
            Set<Long> mine = ioThreads();
            mine.removeAll(before);
            assertEquals(1, mine.size(), "the driver's one I/O thread");
            long io = mine.iterator().next();
            Thread.sleep(100); // past the window: the thread is asleep from here on
            long cpu = mx.getThreadCpuTime(io);
            Thread.sleep(500);
            long spent = mx.getThreadCpuTime(io) - cpu;
            // a thread that kept spinning would have spent most of the 500 ms
            assertTrue(spent < 100_000_000L, "the idle I/O thread used " + spent / 1_000_000 + " ms of CPU in 500 ms");
        }
    }

    @Test
    void aNegativeWindowIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriverConfig.defaults().withPolling(Duration.ofNanos(-1)));
        assertEquals("polling time must not be negative, not PT-0.000000001S", e.getMessage());
    }

    private static Set<Long> ioThreads() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t instanceof IoRing.IoThread && t.isAlive()) {
                ids.add(t.getId());
            }
        }
        return ids;
    }
}
