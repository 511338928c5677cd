package org.ubdjava.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/** The closed loop keeps more requests in flight than the ring holds without blocking a completion. */
class DriverLoadTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a completion that waited for room would deadlock the I/O thread
    void moreInFlightThanTheRingHoldsRunsAndDrains() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(8, 1, new BlockingWaitStrategy()))) {
            List<Disk> disks = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Path raw = dir.resolve("raw" + i);
                Files.write(raw, new byte[1 << 20]);
                disks.add(driver.attach("ubd" + i + "=" + raw, KernelLog.DISCARD));
            }
            Measurement m = new DriverLoad(driver, Workload.RAND_READ_EMPTY, null).run(BenchSystem.DRIVER, disks, 16, 50, 300);
            assertTrue(m.ops() > 0, "no request completed");
            assertEquals(m.ops() * 4096, m.bytes());
            assertEquals("", m.note(), "requests failed");
        }
    }
}
