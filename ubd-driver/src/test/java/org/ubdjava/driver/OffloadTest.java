package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.ThreadPriority;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.AllocationUnitDevice;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ForwardingDevice;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
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
        /** The disk this layer is the top of. */
        Disk disk;
        private final List<String> completions;

        BlockingFlush(BlockDevice inner, List<String> completions) {
            super(inner);
            this.completions = completions;
        }

        @Override
        public void flush() throws IOException {
            completedAtFlush = completions.size();
            waitForRelease(entered, release, "flush");
            super.flush();
        }
    }

    /** Says a call has reached the layer, then holds it there until the test releases it (a host disk that takes its time). */
    static void waitForRelease(CountDownLatch entered, CountDownLatch release, String call) throws IOException {
        entered.countDown();
        try {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IOException(call + " never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
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

    /** ubd0 on a raw image under a {@link BlockingFlush} that sees {@code a}'s completions; the layer, its disk set. */
    private BlockingFlush heldDisk(UbdDriver driver, Recorder a) throws IOException {
        BlockingFlush[] layer = new BlockingFlush[1];
        Disk held = attach(driver, "ubd0=" + raw("a.img", 0), inner -> layer[0] = new BlockingFlush(inner, a.order));
        layer[0].disk = held;
        return layer[0];
    }

    /** ubd1 on a raw image of 0x42 bytes, on the same I/O thread as ubd0. */
    private Disk neighbour(UbdDriver driver) throws IOException {
        return driver.attach("ubd1=" + raw("b.img", 0x42), KernelLog.DISCARD);
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
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            BlockingFlush flush = heldDisk(driver, a);
            Disk held = flush.disk;
            Disk other = neighbour(driver);
            assertEquals(held.ioThread(), other.ioThread(), "one I/O thread serves both");
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

    /** A layer that notes the nice value of the thread each flush and read runs on. */
    static final class PriorityProbe extends ForwardingDevice {
        volatile int flushNice = Integer.MIN_VALUE;
        volatile int readNice = Integer.MIN_VALUE;

        PriorityProbe(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void flush() throws IOException {
            flushNice = ThreadPriority.get();
            super.flush();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            readNice = ThreadPriority.get();
            super.read(offset, dst);
        }
    }

    /** An offloaded call runs at the lowest priority; the I/O thread keeps the priority it was started with. */
    @Test
    void offloadedCallsRunAtTheLowestPriority() throws Exception {
        int ours = ThreadPriority.get();
        Assumptions.assumeTrue(ours < ThreadPriority.LOWEST, "this test runs at the lowest priority already: nothing to tell apart");
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            PriorityProbe[] probe = new PriorityProbe[1];
            Disk disk = attach(driver, "ubd0=" + raw("a.img", 0), inner -> probe[0] = new PriorityProbe(inner));
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.FLUSH, 0, null, 0).get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS));
            assertEquals(ThreadPriority.LOWEST, probe[0].flushNice, "the flush's thread");
            assertEquals(ours, probe[0].readNice, "the I/O thread's");
        }
    }

    @Test
    void aBlockedFuaWriteHoldsItsDiskOnly() throws Exception {
        Recorder a = new Recorder(2);
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            BlockingFlush flush = heldDisk(driver, a);
            Disk held = flush.disk;
            Disk other = neighbour(driver);
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

    /**
     * A write into a unit not yet reserved (an fallocate first, which can wait for the file
     * system's journal as long as another file's sync holds it), slowed here, above the layer.
     * The flush after it waits until it is done, and what the flush syncs holds it.
     */
    static final class SlowWriteThenCheckedFlush extends ForwardingDevice {
        final CountDownLatch writeEntered = new CountDownLatch(1);
        final CountDownLatch writeRelease = new CountDownLatch(1);
        final List<String> completions;
        volatile int flushes;
        volatile int completedAtFlush = -1;
        volatile byte[] fileAtFlush;
        volatile long allocatedAtFlush = -1;
        /** Where the flush looks: the COW file and the write's place in it, known once attached. */
        volatile FileChannel file;
        volatile long fileOffset;

        SlowWriteThenCheckedFlush(BlockDevice inner, List<String> completions) {
            super(inner);
            this.completions = completions;
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            waitForRelease(writeEntered, writeRelease, "write");
            super.write(offset, src);
        }

        @Override
        public void flush() throws IOException {
            flushes++;
            completedAtFlush = completions.size();
            ByteBuffer b = ByteBuffer.allocate(4096);
            file.read(b, fileOffset);
            fileAtFlush = b.array();
            allocatedAtFlush = NativeFiles.allocatedBytes(file);
            super.flush();
        }
    }

    @Test
    void aFlushBehindAWriteThatReservesASlowUnitCoversItAndTheNeighbourReadsMeanwhile() throws Exception {
        Assumptions.assumeTrue(AllocationUnitDevice.worksOn(dir), "*** " + dir + " is in memory: no allocation units there");
        long mib = 1 << 20;
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), 8 * mib, new Random(9));
        Path cow = dir.resolve("cow.img");
        Recorder a = new Recorder(2);
        List<SlowWriteThenCheckedFlush> layer = new ArrayList<>();
        long at = 3 * mib + 64 * 1024;
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()).withAllocationUnit(mib))) {
            Disk held = attach(driver, "ubd0=" + cow + "," + back, inner -> {
                SlowWriteThenCheckedFlush f = new SlowWriteThenCheckedFlush(inner, a.order);
                layer.add(f);
                return f;
            });
            Disk other = neighbour(driver);
            SlowWriteThenCheckedFlush slow = layer.get(0);
            slow.file = held.files().image().channel();
            slow.fileOffset = held.files().geometry().dataOffset() + at;
            long before = NativeFiles.allocatedBytes(slow.file);
            try {
                driver.submit(held, IoOp.WRITE, at, DriverBehaviourTest.filled(4096, 0x5A), 0, a, 1);
                assertTrue(slow.writeEntered.await(10, TimeUnit.SECONDS), "the write reached the device");
                driver.submit(held, IoOp.FLUSH, 0, null, 0, a, 2);
                for (int i = 0; i < 50; i++) {
                    assertEquals(IoStatus.OK, driver.submit(other, IoOp.READ, (i % SECTORS) * 512L, ByteBuffer.allocate(512), 0)
                            .get(10, TimeUnit.SECONDS), "a read of another disk waited behind the slow reserving write");
                }
                assertEquals(List.of(), a.order);
                assertEquals(0, slow.flushes, "the flush waits for the write before it");
            } finally {
                slow.writeRelease.countDown();
            }
            a.last.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("1:OK", "2:OK"), a.order);
            assertEquals(1, slow.flushes);
            assertEquals(1, slow.completedAtFlush, "the write completed before its flush reached the device");
            assertArrayEquals(bytes(4096, 0x5A), slow.fileAtFlush, "the COW file held the write when the flush synced it");
            long grown = slow.allocatedAtFlush - before;
            assertTrue(grown >= mib - 4096, "the write's unit was reserved before the flush: the file grew by " + grown);
            assertEquals(Set.of("ubd-io-" + held.ioThread()), a.threads);
        }
    }

    @Test
    void closeWaitsForADiskHeldBehindItsFlushAndCompletesWhatWaited() throws Exception {
        Recorder a = new Recorder(4);
        UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()));
        BlockingFlush flush = heldDisk(driver, a);
        Disk held = flush.disk;
        CompletableFuture<Void> closed;
        try {
            driver.submit(held, IoOp.FLUSH, 0, null, 0, a, 1);
            assertTrue(flush.entered.await(10, TimeUnit.SECONDS));
            for (int tag = 2; tag <= 4; tag++) {
                driver.submit(held, IoOp.WRITE, tag * 512L, DriverBehaviourTest.filled(512, tag), 0, a, tag);
            }
            closed = CompletableFuture.runAsync(() -> {
                try {
                    driver.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the I/O thread has nothing in its ring now: only the held disk keeps close waiting
            Thread.sleep(300);
            assertTrue(!closed.isDone(), "close returned while a disk was held behind its flush");
        } finally {
            flush.release.countDown();
        }
        closed.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("1:OK", "2:OK", "3:OK", "4:OK"), a.order, "what waited behind the flush ran before close");
        byte[] file = Files.readAllBytes(dir.resolve("a.img"));
        for (int tag = 2; tag <= 4; tag++) {
            assertArrayEquals(bytes(512, tag), Arrays.copyOfRange(file, tag * 512, tag * 512 + 512));
        }
    }

    /**
     * The offload thread publishes its resume into a full ring: it waits for room, which the I/O
     * thread makes as it goes on, so nothing is stuck.
     */
    @Test
    void aResumeIntoAFullRingWaitsForRoomAndEverythingCompletes() throws Exception {
        Recorder a = new Recorder(2);
        try (UbdDriver driver = new UbdDriver(new DriverConfig(4, 1, new BlockingWaitStrategy()))) {
            BlockingFlush flush = heldDisk(driver, a);
            Disk held = flush.disk;
            Disk other = neighbour(driver);
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch free = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            int accepted = 0;
            try {
                driver.submit(held, IoOp.FLUSH, 0, null, 0, a, 1);
                assertTrue(flush.entered.await(10, TimeUnit.SECONDS));
                driver.submit(held, IoOp.READ, 0, ByteBuffer.allocate(512), 0, a, 2);
                // the neighbour's completion holds the I/O thread, so its ring fills behind it
                driver.submit(other, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (t, s) -> {
                    busy.countDown();
                    try {
                        free.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    done.incrementAndGet();
                }, 0);
                assertTrue(busy.await(10, TimeUnit.SECONDS));
                while (driver.trySubmit(other, IoOp.READ, 512, ByteBuffer.allocate(512), 0, (t, s) -> done.incrementAndGet(), 1)) {
                    accepted++;
                    assertTrue(accepted <= 4, "the ring holds 4");
                }
                flush.release.countDown(); // its resume now meets a full ring
                Thread.sleep(100);
                assertEquals(List.of(), a.order, "the flush completes on the I/O thread, which is still busy");
            } finally {
                flush.release.countDown();
                free.countDown();
            }
            a.last.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("1:OK", "2:OK"), a.order);
            assertEquals(IoStatus.OK, driver.submit(other, IoOp.FLUSH, 0, null, 0).get(10, TimeUnit.SECONDS));
            assertEquals(1 + accepted, done.get(), "every request of the neighbour completed");
        }
    }

    /** Requests that wait behind a held disk's call leave the ring; a ring's worth of them is the most it takes. */
    @Test
    void aHeldDiskTakesAtMostARingsWorthMoreThenRefusesLikeAFullRing() throws Exception {
        Recorder a = new Recorder(Long.MAX_VALUE);
        int ring = 8;
        try (UbdDriver driver = new UbdDriver(new DriverConfig(ring, 1, new BlockingWaitStrategy()))) {
            BlockingFlush flush = heldDisk(driver, a);
            Disk held = flush.disk;
            Disk other = neighbour(driver);
            int accepted = 0;
            try {
                driver.submit(held, IoOp.FLUSH, 0, null, 0, a, 0);
                assertTrue(flush.entered.await(10, TimeUnit.SECONDS));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                int refusals = 0;
                // refusals in a row, each after the I/O thread had time to take what was in the ring
                while (refusals < 3 && System.nanoTime() < deadline) {
                    if (driver.trySubmit(held, IoOp.READ, 0, ByteBuffer.allocate(512), 0, a, accepted + 1)) {
                        accepted++;
                        refusals = 0;
                        assertTrue(accepted <= 2 * ring, accepted + " requests taken while held, more than twice a ring");
                    } else {
                        refusals++;
                        Thread.sleep(20);
                    }
                }
                assertEquals(3, refusals, "a held disk kept refusing");
                assertTrue(accepted >= ring, "the held disk took only " + accepted + " while it waited");
                assertEquals(IoStatus.OK, driver.submit(other, IoOp.READ, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS),
                        "the other disk still has the ring");
            } finally {
                flush.release.countDown();
            }
            assertEquals(IoStatus.OK, driver.submit(held, IoOp.READ, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS));
            List<String> expected = new ArrayList<>();
            for (int tag = 0; tag <= accepted; tag++) {
                expected.add(tag + ":OK");
            }
            assertEquals(expected, a.order, "in submission order");
        }
    }
}
