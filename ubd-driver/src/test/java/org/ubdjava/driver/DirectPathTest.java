package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ForwardingDevice;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.DirectPath;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/**
 * A disk run on its caller's thread ({@link DirectPath}): the request runs there, with the checks,
 * statuses and statistics of the rings; while the path is open nothing of the disk goes through a
 * ring and no other thread runs it; opening it waits for what was submitted before.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectPathTest {
    static final int SECTORS = 64;

    @TempDir
    Path dir;

    /** Records the threads that call the device, and can hold a write until released or make a read throw. */
    static final class Watched extends ForwardingDevice {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CountDownLatch writeEntered = new CountDownLatch(1);
        volatile CountDownLatch holdWrites;
        volatile Error readFailure;

        Watched(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            threads.add(Thread.currentThread().getName());
            Error e = readFailure;
            if (e != null) {
                readFailure = null;
                throw e;
            }
            super.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            threads.add(Thread.currentThread().getName());
            CountDownLatch hold = holdWrites;
            if (hold != null) {
                OffloadTest.waitForRelease(writeEntered, hold, "write");
            }
            super.write(offset, src);
        }
    }

    private Watched[] layer = new Watched[1];

    private Disk attach(UbdDriver driver, String name, int fill) throws IOException {
        byte[] b = new byte[SECTORS * 512];
        Arrays.fill(b, (byte) fill);
        Path img = Files.write(dir.resolve(name), b);
        UnaryOperator<BlockDevice> watch = inner -> layer[0] = new Watched(inner);
        return driver.attach(UbdOptionParser.device("ubd0=" + img), new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD), watch);
    }

    private static ByteBuffer filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    @Test
    void requestsRunOnTheCallersThreadWithTheRingsChecksAndCounts() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            Disk disk = attach(driver, "a.img", 0x11);
            long okBefore = driver.stats().completed(IoStatus.OK, false);
            try (DirectPath path = driver.direct(disk)) {
                assertEquals(IoStatus.OK, path.run(IoOp.WRITE, 0, 4096, filled(1024, 0x5a), 0));
                ByteBuffer got = ByteBuffer.allocate(2048);
                assertEquals(IoStatus.OK, path.run(IoOp.READ, 0, 3584, got, 0));
                byte[] want = new byte[2048];
                Arrays.fill(want, 0, 512, (byte) 0x11);
                Arrays.fill(want, 512, 1536, (byte) 0x5a);
                Arrays.fill(want, 1536, 2048, (byte) 0x11);
                assertArrayEquals(want, got.array());
                assertEquals(IoStatus.OK, path.run(IoOp.FLUSH, 0, 0, null, 0));
                assertEquals(IoStatus.IOERR, path.run(IoOp.READ, 0, SECTORS * 512L, ByteBuffer.allocate(512), 0), "past the end");
                assertEquals(IoStatus.IOERR, path.run(IoOp.READ, 0, 100, ByteBuffer.allocate(512), 0), "not sector-aligned");
            }
            assertEquals(Set.of(Thread.currentThread().getName()), layer[0].threads, "every request ran on the caller's thread");
            assertEquals(3, driver.stats().completed(IoStatus.OK, false) - okBefore - 1,
                    "the driver counts direct requests (and the flush that opened the path)");
        }
    }

    @Test
    void whileOpenTheRingsRefuseTheDiskAndNoOtherThreadRunsIt() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            Disk disk = attach(driver, "a.img", 0);
            DirectPath path = driver.direct(disk);
            IllegalStateException ring = assertThrows(IllegalStateException.class,
                    () -> driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, s) -> { }, 0));
            assertTrue(ring.getMessage().contains("ubda") && ring.getMessage().contains("direct path"), ring.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> driver.trySubmit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, s) -> { }, 0));
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> driver.direct(disk));
            assertTrue(twice.getMessage().contains("already has a direct path"), twice.getMessage());
            CompletableFuture<Throwable> other = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    path.run(IoOp.READ, 0, 0, ByteBuffer.allocate(512), 0);
                    other.complete(null);
                } catch (Throwable e) {
                    other.complete(e);
                }
            }, "not-the-owner");
            t.start();
            Throwable refused = other.get(10, TimeUnit.SECONDS);
            assertTrue(refused instanceof IllegalStateException && refused.getMessage().contains("not-the-owner"), String.valueOf(refused));
            path.close();
            assertThrows(IllegalStateException.class, () -> path.run(IoOp.READ, 0, 0, ByteBuffer.allocate(512), 0), "closed");
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS),
                    "closed: the disk's requests go through its ring again");
        }
    }

    @Test
    void openingWaitsForEveryRequestSubmittedBefore() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            Disk disk = attach(driver, "a.img", 0);
            Watched w = layer[0];
            w.holdWrites = new CountDownLatch(1);
            CompletableFuture<IoStatus> write = driver.submit(disk, IoOp.WRITE, 0, filled(512, 0x77), 0);
            assertTrue(w.writeEntered.await(10, TimeUnit.SECONDS));
            CompletableFuture<IoStatus> read = new CompletableFuture<>();
            Thread opener = new Thread(() -> {
                try (DirectPath path = driver.direct(disk)) {
                    ByteBuffer got = ByteBuffer.allocate(512);
                    IoStatus s = path.run(IoOp.READ, 0, 0, got, 0);
                    read.complete(got.get(0) == 0x77 ? s : IoStatus.IOERR);
                } catch (Throwable e) {
                    read.completeExceptionally(e);
                }
            }, "direct-owner");
            opener.start();
            Thread.sleep(300);
            assertFalse(read.isDone(), "the direct path opened while a write of the disk still ran on its I/O thread");
            w.holdWrites.countDown();
            assertEquals(IoStatus.OK, write.get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.OK, read.get(10, TimeUnit.SECONDS), "the direct read sees the write submitted before");
        }
    }

    @Test
    void whateverALayerThrowsIsThatRequestsStatusOnly() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            Disk disk = attach(driver, "a.img", 0x22);
            try (DirectPath path = driver.direct(disk)) {
                layer[0].readFailure = new StackOverflowError();
                assertEquals(IoStatus.IOERR, path.run(IoOp.READ, 0, 0, ByteBuffer.allocate(512), 0));
                ByteBuffer got = ByteBuffer.allocate(512);
                assertEquals(IoStatus.OK, path.run(IoOp.READ, 0, 0, got, 0), "the next request runs");
                assertEquals(0x22, got.get(0));
            }
        }
    }
}
