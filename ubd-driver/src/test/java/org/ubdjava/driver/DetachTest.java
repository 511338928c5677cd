package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.ForwardingDevice;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/** detach drains with a flush; detachIdle closes at once, no flush; both refuse later requests and keep the data. */
class DetachTest {
    @TempDir
    Path dir;

    /** Counts the flushes that reach the device. */
    static final class CountingFlushes extends ForwardingDevice {
        final AtomicInteger flushes;

        CountingFlushes(org.ubdjava.driver.device.BlockDevice inner, AtomicInteger flushes) {
            super(inner);
            this.flushes = flushes;
        }

        @Override
        public void flush() throws IOException {
            flushes.incrementAndGet();
            super.flush();
        }
    }

    private int flushesOf(boolean idle) throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve(idle ? "idle.cow" : "drained.cow");
        AtomicInteger flushes = new AtomicInteger();
        try (UbdDriver driver = new UbdDriver()) {
            ParseOutcome.Configured c = (ParseOutcome.Configured) new UbdOptionParser().parse("ubd0=" + cow + "," + back);
            Disk d = driver.attach(c.device(), new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD),
                    inner -> new CountingFlushes(inner, flushes));
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 1024, DriverBehaviourTest.filled(512, 9), 0).join());
            if (idle) {
                driver.detachIdle(d);
            } else {
                driver.detach(d);
            }
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.READ, 0, ByteBuffer.allocateDirect(512), 0).join());
            Disk again = driver.attach("ubd1=" + cow + "," + back, KernelLog.DISCARD);
            byte[] nine = new byte[512];
            java.util.Arrays.fill(nine, (byte) 9);
            assertArrayEquals(nine, DriverBehaviourTest.read(driver, again, 1024, 512), "the write outlives the detach");
        }
        return flushes.get();
    }

    @Test
    void detachDrainsWithAFlush() throws IOException {
        assertEquals(1, flushesOf(false));
    }

    @Test
    void detachIdleClosesWithoutOne() throws IOException {
        assertEquals(0, flushesOf(true));
    }
}
