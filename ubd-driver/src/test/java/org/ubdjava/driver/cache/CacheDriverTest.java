package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * Through the driver: 8 COW devices on 2 I/O threads over one backing file share one cache;
 * writes go to the COW files and never into the cache; every read matches a model.
 */
class CacheDriverTest {
    private static final int SIZE = 4 << 20;

    @Test
    void devicesOnSeveralThreadsShareOneCacheAndReadRight(@TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, SIZE, 11);
        back.close();
        DriverConfig config = new DriverConfig(1024, 2, new com.lmax.disruptor.BlockingWaitStrategy())
                .withCache(CacheConfig.of(CachePolicy.W_TINYLFU, 1 << 20));
        try (UbdDriver driver = new UbdDriver(config)) {
            List<Disk> disks = new ArrayList<>();
            List<byte[]> models = new ArrayList<>();
            Random r = new Random(5);
            for (int d = 0; d < 8; d++) {
                Disk disk = driver.attach("ubd" + d + "=" + dir.resolve("cow" + d + ".img") + "," + back.path, KernelLog.DISCARD);
                disks.add(disk);
                byte[] model = back.content.clone();
                for (int w = 0; w < 50; w++) {
                    byte[] data = new byte[4096];
                    r.nextBytes(data);
                    long at = 4096L * r.nextInt(SIZE / 4096);
                    assertEquals(IoStatus.OK, driver.submit(disk, IoOp.WRITE, at, ByteBuffer.allocateDirect(4096).put(data).flip(), 0).join());
                    System.arraycopy(data, 0, model, (int) at, 4096);
                }
                models.add(model);
            }
            assertEquals(1, driver.caches().report().size(), "one cache for one backing file");
            assertEquals(CacheStats.zero(), driver.caches().total(), "writes never touch the cache");
            assertEquals(0, driver.caches().report().get(0).residentPages());

            for (int i = 0; i < 3000; i++) {
                int d = r.nextInt(8);
                int len = 512 * (1 + r.nextInt(64));
                long at = 512L * r.nextInt((SIZE - len) / 512 + 1);
                if (r.nextBoolean()) {
                    at %= 512 * 1024; // a hot region, shared by all
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(len);
                assertEquals(IoStatus.OK, driver.submit(disks.get(d), IoOp.READ, at, buf, 0).join());
                byte[] got = new byte[len];
                buf.get(0, got);
                assertArrayEquals(Arrays.copyOfRange(models.get(d), (int) at, (int) at + len), got, "ubd" + d + " at " + at);
            }
            BackingCaches.Report rep = driver.caches().report().get(0);
            assertEquals(8, rep.devices().size());
            CacheStats sum = rep.devices().stream().map(BackingCaches.DeviceUse::stats).reduce(CacheStats.zero(), CacheStats::plus);
            assertEquals(rep.total(), sum, "the total is the sum of the devices");
            assertTrue(rep.total().hits() > 0 && rep.total().evictions() > 0, rep.total().toString());
            assertTrue(rep.residentPages() <= 256);
        }
    }

    @Test
    void aFailedAttachGivesBackItsShareOfTheCache(@TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, 1 << 20, 2);
        back.close();
        DriverConfig config = DriverConfig.defaults().withCache(CacheConfig.of(CachePolicy.LRU, 64 * 4096));
        try (UbdDriver driver = new UbdDriver(config)) {
            org.ubdjava.core.options.UbdDeviceConfig dev = ((org.ubdjava.core.options.ParseOutcome.Configured)
                    new org.ubdjava.core.options.UbdOptionParser().parse("ubd0=" + dir.resolve("cow.img") + "," + back.path)).device();
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> driver.attach(dev,
                    new org.ubdjava.core.device.DeviceOpener(org.ubdjava.core.device.HostFileTable.PROCESS, KernelLog.DISCARD),
                    d -> {
                        throw new IllegalStateException("decorator fails");
                    }));
            assertTrue(driver.caches().report().isEmpty(), "no cache is left behind by a failed attach");
        }
    }

    @Test
    void offByDefault(@TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, 1 << 20, 1);
        back.close();
        try (UbdDriver driver = new UbdDriver()) {
            driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back.path, KernelLog.DISCARD);
            assertTrue(driver.caches().report().isEmpty());
        }
    }
}
