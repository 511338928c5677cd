package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/** A disk attached on the I/O thread its caller names runs there; a thread the driver lacks is refused before anything is opened. */
class AttachThreadTest {
    @TempDir
    Path dir;

    @Test
    void aDiskRunsOnTheThreadItWasGivenAndAThreadOutOfRangeIsRefused() throws Exception {
        Path img = Files.write(dir.resolve("a.img"), new byte[64 * 512]);
        DeviceOpener opener = new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD);
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 3, new BlockingWaitStrategy()))) {
            for (int t : new int[] {2, 2, 0, 1}) {
                Disk d = driver.attach(UbdOptionParser.device("ubd0=" + img), opener, UnaryOperator.identity(), t);
                assertEquals(t, d.ioThread());
                String[] thread = new String[1];
                assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, 0, java.nio.ByteBuffer.allocate(512), 0).get());
                driver.submit(d, IoOp.FLUSH, 0, null, 0, (tag, s) -> thread[0] = Thread.currentThread().getName(), 0);
                driver.detach(d);
                assertEquals("ubd-io-" + t, thread[0]);
            }
            for (int t : new int[] {-1, 3}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> driver.attach(UbdOptionParser.device("ubd0=" + img), opener, UnaryOperator.identity(), t));
                assertTrue(e.getMessage().equals("ubda: I/O thread " + t + " of a driver with 3"), e.getMessage());
            }
        }
    }
}
