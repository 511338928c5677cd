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

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The backing file read with O_DIRECT (through 4 KiB-aligned bounce buffers) returns the same
 * bytes as buffered reads, for unaligned 512-byte runs, across COW-written sectors, past a
 * backing file whose size is not a multiple of 4 KiB, with and without a cache in between; and
 * per-device caches are one per device where the shared one is one per backing file.
 */
class DirectBackingReadsTest {
    private static final int SIZE = (2 << 20) + 3 * 512;

    @ParameterizedTest
    @ValueSource(strings = {"none", "shared", "private"})
    void directReadsSeeTheBackingFileAndTheCowWrites(String cache, @TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, SIZE, 21);
        back.close();
        CacheConfig c = switch (cache) {
            case "shared" -> CacheConfig.of(CachePolicy.S3_FIFO, 256 << 10);
            case "private" -> CacheConfig.privateOf(CachePolicy.SIEVE, 64 << 10);
            default -> CacheConfig.off();
        };
        DriverConfig config = DriverConfig.defaults().withCache(c).withDirectBackingReads(true);
        try (UbdDriver driver = new UbdDriver(config)) {
            List<Disk> disks = new ArrayList<>();
            List<byte[]> models = new ArrayList<>();
            Random r = new Random(8);
            for (int d = 0; d < 4; d++) {
                disks.add(driver.attach("ubd" + d + "=" + dir.resolve("cow" + d + ".img") + "," + back.path, KernelLog.DISCARD));
                byte[] model = back.content.clone();
                for (int w = 0; w < 20; w++) {
                    int len = 512 * (1 + r.nextInt(8));
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    long at = 512L * r.nextInt((SIZE - len) / 512);
                    assertEquals(IoStatus.OK, driver.submit(disks.get(d), IoOp.WRITE, at, ByteBuffer.allocateDirect(len).put(data).flip(), 0).join());
                    System.arraycopy(data, 0, model, (int) at, len);
                }
                models.add(model);
            }
            for (int i = 0; i < 1500; i++) {
                int d = r.nextInt(4);
                int len = 512 * (1 + r.nextInt(40));
                long at = i % 10 == 0 ? SIZE - len : 512L * r.nextInt((SIZE - len) / 512 + 1); // the file's short last block too
                ByteBuffer buf = ByteBuffer.allocateDirect(len + 512).position(512).slice(); // not page-aligned memory
                assertEquals(IoStatus.OK, driver.submit(disks.get(d), IoOp.READ, at, buf, 0).join());
                byte[] got = new byte[len];
                buf.get(0, got);
                assertArrayEquals(Arrays.copyOfRange(models.get(d), (int) at, (int) at + len), got, cache + " ubd" + d + " at " + at);
            }
            int caches = driver.caches().report().size();
            assertEquals(switch (cache) {
                case "shared" -> 1;
                case "private" -> 4;
                default -> 0;
            }, caches);
            if (!cache.equals("none")) {
                assertTrue(driver.caches().total().hits() > 0, driver.caches().total().toString());
                for (BackingCaches.Report rep : driver.caches().report()) {
                    assertTrue(rep.residentPages() <= (cache.equals("shared") ? 64 : 16));
                }
            }
        }
    }

    /** The descriptor really has O_DIRECT (octal 040000 in Linux's open flags), as /proc/self/fdinfo shows. */
    @Test
    void theBackingDescriptorIsOpenWithODirect(@TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, 1 << 20, 4);
        back.close();
        try (var dev = org.ubdjava.driver.device.DirectBackingDevice.open(back.path, 1 << 20)) {
            long flags = -1;
            try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        if (java.nio.file.Files.readSymbolicLink(fd).equals(back.path.toRealPath())) {
                            String info = java.nio.file.Files.readString(Path.of("/proc/self/fdinfo", fd.getFileName().toString()));
                            String line = info.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                            flags = Long.parseLong(line.substring(6).trim(), 8);
                        }
                    } catch (java.io.IOException gone) {
                        // a descriptor closed while listing
                    }
                }
            }
            assertTrue(flags >= 0, "no descriptor on " + back.path);
            assertTrue((flags & 040000) != 0, "flags " + Long.toOctalString(flags) + " lack O_DIRECT");
        }
    }

    @Test
    void aPrivateCacheIsItsDevicesAlone(@TempDir Path dir) throws Exception {
        CacheTestFiles back = new CacheTestFiles(dir, 1 << 20, 3);
        back.close();
        try (UbdDriver driver = new UbdDriver(DriverConfig.defaults().withCache(CacheConfig.privateOf(CachePolicy.LRU, 1 << 20)))) {
            Disk a = driver.attach("ubd0=" + dir.resolve("a.cow") + "," + back.path, KernelLog.DISCARD);
            Disk b = driver.attach("ubd1=" + dir.resolve("b.cow") + "," + back.path, KernelLog.DISCARD);
            assertEquals(IoStatus.OK, driver.submit(a, IoOp.READ, 0, ByteBuffer.allocateDirect(4096), 0).join());
            assertEquals(IoStatus.OK, driver.submit(b, IoOp.READ, 0, ByteBuffer.allocateDirect(4096), 0).join());
            assertEquals(0, driver.caches().total().hits(), "b's read cannot hit a's cache");
            assertEquals(IoStatus.OK, driver.submit(b, IoOp.READ, 0, ByteBuffer.allocateDirect(4096), 0).join());
            assertEquals(1, driver.caches().total().hits());
            driver.detach(a);
            assertEquals(1, driver.caches().report().size(), "a's cache is freed with a");
        }
    }
}
