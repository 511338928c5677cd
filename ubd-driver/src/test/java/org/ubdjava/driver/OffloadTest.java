package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
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
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/**
 * A call that blocks (a flush's fdatasync) holds only its own disk: the other disks of its I/O
 * thread keep completing, and the held disk's later requests complete after it, in submission
 * order, on the disk's I/O thread.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck I/O thread fails the test, never hangs it
class OffloadTest {
    static final int SECTORS = 128;

    @TempDir
    Path dir;

    /** A layer whose flush waits for {@link #release} (a host disk that takes its time to sync). */
    static final class BlockingFlush extends ForwardingDevice {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** The completions the disk had delivered when its flush reached the device. */
        volatile int completedAtFlush = -1;
        private final List<String> completions;

        BlockingFlush(BlockDevice inner, List<String> completions) {
            super(inner);
            this.completions = completions;
        }

        @Override
        public void flush() throws IOException {
            completedAtFlush = completions.size();
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("flush never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            super.flush();
        }
    }

    /** Every completion of a disk, "tag:status" in the order they came, and the threads they came on. */
    static final class Recorder implements Completion {
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Void> last = new CompletableFuture<>();
        final long lastTag;

        Recorder(long lastTag) {
            this.lastTag = lastTag;
        }

        @Override
        public void complete(long tag, IoStatus status) {
            order.add(tag + ":" + status);
            threads.add(Thread.currentThread().getName());
            if (tag == lastTag) {
                last.complete(null);
            }
        }
    }

    private Disk attach(UbdDriver driver, String spec, UnaryOperator<BlockDevice> layer) {
        var c = UbdOptionParser.device(spec);
        return driver.attach(c, new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD), layer);
    }

    private Path raw(String name, int fill) throws IOException {
        byte[] b = new byte[SECTORS * 512];
        Arrays.fill(b, (byte) fill);
        return Files.write(dir.resolve(name), b);
    }

    private static byte[] bytes(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] contents(ByteBuffer b) {
        byte[] got = new byte[b.remaining()];
        b.duplicate().get(got);
        return got;
    }

    @Test
    void aBlockedFlushHoldsItsDiskOnlyAndItsLaterRequestsFollowInOrder() throws Exception {
        Recorder a = new Recorder(5);
        List<BlockingFlush> layer = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver(new UbdDriver.Config(64, 1, new BlockingWaitStrategy()))) {
            Disk held = attach(driver, "ubd0=" + raw("a.img", 0), inner -> {
                BlockingFlush f = new BlockingFlush(inner, a.order);
                layer.add(f);
                return f;
            });
            Disk other = driver.attach("ubd1=" + raw("b.img", 0x42), KernelLog.DISCARD);
            assertEquals(held.ioThread(), other.ioThread(), "one I/O thread serves both");
            BlockingFlush flush = layer.get(0);
            ByteBuffer first = ByteBuffer.allocateDirect(512);
            ByteBuffer second = ByteBuffer.allocateDirect(512);
            try {
                driver.submit(held, IoOp.WRITE, 0, DriverBehaviourTest.filled(512, 1), 0, a, 1);
                driver.submit(held, IoOp.FLUSH, 0, null, 0, a, 2);
                assertTrue(flush.entered.await(10, TimeUnit.SECONDS), "the flush reached the device");
                driver.submit(held, IoOp.READ, 0, first, 0, a, 3);
                driver.submit(held, IoOp.WRITE, 0, DriverBehaviourTest.filled(512, 2), 0, a, 4);
                driver.submit(held, IoOp.READ, 0, second, 0, a, 5);

                // the neighbour on the same I/O thread reads while the flush is still blocked
                for (int i = 0; i < 50; i++) {
                    ByteBuffer got = ByteBuffer.allocate(512);
                    assertEquals(IoStatus.OK, driver.submit(other, IoOp.READ, (i % SECTORS) * 512L, got, 0).get(10, TimeUnit.SECONDS),
                            "a read of another disk waited behind the blocked flush");
                    assertArrayEquals(bytes(512, 0x42), got.array());
                }
                assertEquals(List.of("1:OK"), a.order, "the held disk's later requests wait for its flush");
            } finally {
                flush.release.countDown();
            }
            a.last.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("1:OK", "2:OK", "3:OK", "4:OK", "5:OK"), a.order);
            assertEquals(1, flush.completedAtFlush, "the flush reached the device after the write before it completed");
            assertArrayEquals(bytes(512, 1), contents(first), "the read after the flush sees the write before it");
            assertArrayEquals(bytes(512, 2), contents(second));
            assertEquals(Set.of("ubd-io-" + held.ioThread()), a.threads, "every completion on the disk's I/O thread");
        }
    }

    @Test
    void aBlockedFuaWriteHoldsItsDiskOnly() throws Exception {
        Recorder a = new Recorder(2);
        List<BlockingFlush> layer = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver(new UbdDriver.Config(64, 1, new BlockingWaitStrategy()))) {
            Disk held = attach(driver, "ubd0=" + raw("a.img", 0), inner -> {
                BlockingFlush f = new BlockingFlush(inner, a.order);
                layer.add(f);
                return f;
            });
            Disk other = driver.attach("ubd1=" + raw("b.img", 0x42), KernelLog.DISCARD);
            BlockingFlush flush = layer.get(0);
            ByteBuffer after = ByteBuffer.allocateDirect(512);
            try {
                driver.submit(held, IoOp.WRITE, IoOp.FUA, 512, DriverBehaviourTest.filled(512, 7), 0, a, 1);
                assertTrue(flush.entered.await(10, TimeUnit.SECONDS), "the FUA write's flush reached the device");
                driver.submit(held, IoOp.READ, 512, after, 0, a, 2);
                assertEquals(IoStatus.OK, driver.submit(other, IoOp.READ, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS),
                        "a read of another disk waited behind the blocked FUA write");
                assertEquals(List.of(), a.order);
            } finally {
                flush.release.countDown();
            }
            a.last.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("1:OK", "2:OK"), a.order);
            assertArrayEquals(bytes(512, 7), contents(after));
        }
    }
}
