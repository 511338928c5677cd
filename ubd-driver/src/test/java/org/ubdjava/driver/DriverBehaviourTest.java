package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.CowDevice;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

class DriverBehaviourTest {
    @TempDir
    Path dir;

    static ByteBuffer filled(int len, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        while (b.hasRemaining()) {
            b.put((byte) value);
        }
        return b.flip();
    }

    static byte[] read(UbdDriver driver, Disk disk, long off, int len) {
        return DeviceModelTest.read(driver, disk, off, len);
    }

    @Test
    void requestsOutsideTheDeviceOrNotWholeSectorsFail() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.READ, 10240, ByteBuffer.allocate(512), 0).join());
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.READ, 100, ByteBuffer.allocate(512), 0).join());
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.WRITE, 0, ByteBuffer.allocate(100), 0).join());
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.DISCARD, 9728, null, 1024).join());
            assertEquals(IoStatus.IOERR, driver.submit(d, IoOp.READ, -512, ByteBuffer.allocate(512), 0).join());
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, 9728, ByteBuffer.allocate(512), 0).join());
        }
    }

    @Test
    void readOnlyDevicesRefuseWrites() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] before = Files.readAllBytes(cow);
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0r=" + cow, KernelLog.DISCARD);
            Disk raw = driver.attach("ubd1r=" + back, KernelLog.DISCARD);
            assertTrue(d.readOnly() && raw.readOnly());
            for (Disk x : new Disk[] {d, raw}) {
                assertEquals(IoStatus.READ_ONLY, driver.submit(x, IoOp.WRITE, 0, filled(512, 1), 0).join());
                assertEquals(IoStatus.READ_ONLY, driver.submit(x, IoOp.DISCARD, 0, null, 512).join());
                assertEquals(IoStatus.READ_ONLY, driver.submit(x, IoOp.WRITE_ZEROES, 0, null, 512).join());
            }
        }
        assertArrayEquals(before, Files.readAllBytes(cow));
    }

    @Test
    void noTrimFlagMakesDiscardUnsupported() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path raw = Files.write(dir.resolve("raw.img"), new byte[8192]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk cow = driver.attach("ubd0t=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            Disk img = driver.attach("ubd1t=" + raw, KernelLog.DISCARD);
            for (Disk x : new Disk[] {cow, img}) {
                assertEquals(IoStatus.NOTSUPP, driver.submit(x, IoOp.DISCARD, 0, null, 512).join());
                assertEquals(IoStatus.NOTSUPP, driver.submit(x, IoOp.WRITE_ZEROES, 0, null, 512).join());
                assertEquals(IoStatus.OK, driver.submit(x, IoOp.WRITE, 0, filled(512, 7), 0).join());
            }
            assertEquals(1, cow.files().bitmap().cardinality(), "the refused discard set no bit");
        }
    }

    @Test
    void discardReadsZerosSetsBitsAndPunchesTheCowNotTheBacking() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 256);
        byte[] backing = Files.readAllBytes(back);
        Path cow = dir.resolve("cow.img");
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 0, filled(64 * 1024, 0x5A), 0).join());
            long full;
            try (FileChannel ch = FileChannel.open(cow)) {
                full = NativeFiles.allocatedBytes(ch);
            }
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.DISCARD, 8192, null, 32 * 1024).join());
            try (FileChannel ch = FileChannel.open(cow)) {
                assertTrue(NativeFiles.allocatedBytes(ch) <= full - 32 * 1024, "the discarded range was given back");
            }
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE_ZEROES, 200 * 512, null, 8 * 512).join());
            assertArrayEquals(new byte[32 * 1024], read(driver, d, 8192, 32 * 1024));
            byte[] written = new byte[1024];
            Arrays.fill(written, (byte) 0x5A);
            assertArrayEquals(written, read(driver, d, 80 * 512, 1024), "the discard stopped where it should");
            assertArrayEquals(new byte[8 * 512], read(driver, d, 200 * 512, 8 * 512), "zeros, not the backing file's bytes");
            assertArrayEquals(Arrays.copyOfRange(backing, 208 * 512, 210 * 512), read(driver, d, 208 * 512, 1024));
        }
        try (CowFile f = CowFile.open(cow)) {
            assertEquals(128 + 8, f.bitmap().cardinality());
            assertTrue(f.bitmap().get(16) && f.bitmap().get(200) && f.bitmap().get(207) && !f.bitmap().get(208));
        }
        assertArrayEquals(backing, Files.readAllBytes(back));
    }

    @Test
    void theTailOfAnOddSizedBackingFileReadsAsZeros() throws IOException {
        // reference B3: the kernel returns bytes 512-999 then a copy of bytes 512-535
        byte[] data = new byte[1000];
        Arrays.fill(data, (byte) 0x61);
        Path back = Files.write(dir.resolve("odd.img"), data);
        try (UbdDriver driver = new UbdDriver()) {
            Disk raw = driver.attach("ubd0r=" + back, KernelLog.DISCARD);
            Disk cow = driver.attach("ubd1=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            byte[] expected = Arrays.copyOf(data, 1024);
            assertEquals(1024, raw.size());
            assertArrayEquals(expected, read(driver, raw, 0, 1024));
            assertArrayEquals(Arrays.copyOfRange(expected, 512, 1024), read(driver, cow, 512, 512));
        }
    }

    @Test
    void aFullRingRefusesTryAndWaitsForSubmit() throws Exception {
        Path raw = Files.write(dir.resolve("raw.img"), new byte[64 * 512]);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        try (UbdDriver driver = new UbdDriver(new DriverConfig(4, 1, new BlockingWaitStrategy()))) {
            Disk d = driver.attach("ubd0=" + raw, KernelLog.DISCARD);
            // the first completion blocks the I/O thread, so the ring fills behind it
            driver.submit(d, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, s) -> {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.incrementAndGet();
            }, 0);
            // fill only once the thread is held: had it taken the first request after the filling,
            // the slot it frees would take one more (a race this test lost under load)
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            int accepted = 0;
            while (driver.trySubmit(d, IoOp.READ, 512, ByteBuffer.allocate(512), 0, (t, s) -> done.incrementAndGet(), 1)) {
                accepted++;
                assertTrue(accepted <= 4, "the ring holds 4");
            }
            assertFalse(driver.trySubmit(d, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (t, s) -> { }, 2));
            release.countDown();
            driver.submit(d, IoOp.FLUSH, 0, null, 0).get(10, TimeUnit.SECONDS);
            assertEquals(1 + accepted, done.get(), "nothing was dropped");
        }
    }

    @Test
    void closeCompletesEveryRequestInFlight() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 256);
        AtomicInteger ok = new AtomicInteger();
        int n = 2000;
        UbdDriver driver = new UbdDriver();
        Disk d = driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
        for (int i = 0; i < n; i++) {
            driver.submit(d, IoOp.WRITE, (i % 256) * 512L, filled(512, i), 0, (t, s) -> {
                if (s == IoStatus.OK) {
                    ok.incrementAndGet();
                }
            }, i);
        }
        driver.close();
        assertEquals(n, ok.get());
        assertThrows(IllegalStateException.class, () -> driver.submit(d, IoOp.READ, 0, ByteBuffer.allocate(512), 0));
        try (CowFile f = CowFile.open(dir.resolve("cow.img"))) {
            assertEquals(256, f.bitmap().cardinality());
        }
    }

    @Test
    void aFailedBitmapWriteLeavesTheBitmapAsItWas() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 256);
        Path cowPath = dir.resolve("cow.img");
        FreshCow fresh = FreshCow.create(cowPath, back);
        CowGeometry g = fresh.geometry();
        CowBitmap bitmap = fresh.bitmap();
        try (FileChannel real = FileChannel.open(cowPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel backing = FileChannel.open(back)) {
            FailingIo cowFile = new FailingIo(new ChannelIo(real), g.bitmapOffset(), g.bitmapOffset() + g.bitmapLength());
            CowDevice dev = fresh.device(cowFile, new ChannelIo(backing));
            dev.write(0, filled(4096, 1));
            assertEquals(8, bitmap.cardinality());
            cowFile.armed = true;
            IOException e = assertThrows(IOException.class, () -> dev.write(60 * 512, filled(16 * 512, 2)));
            assertTrue(e.getMessage().contains("injected"));
            assertThrows(IOException.class, () -> dev.discard(4 * 512, 8 * 512));
            assertEquals(8, bitmap.cardinality(), "the failed writes' bits were taken back; the earlier ones kept");
            assertTrue(bitmap.get(0) && bitmap.get(7) && !bitmap.get(8) && !bitmap.get(60));
            byte[] got = new byte[4096];
            ByteBuffer b = ByteBuffer.wrap(got);
            dev.read(60 * 512, b.limit(4096));
            assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(back), 60 * 512, 68 * 512), got,
                    "the failed write's sectors still read from the backing file");
        }
        try (CowFile f = CowFile.open(cowPath)) {
            assertEquals(8, f.bitmap().cardinality(), "the file agrees with memory");
        }
    }
}
