package org.ubdjava.driver.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.BlockingWaitStrategy;

/** {@link ClosedLoop}: requests kept N deep, submitted from completions or from the owner. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClosedLoopTest {
    static final int BLOCK = 4096;

    @TempDir
    Path dir;

    /** Writes block n (mod the disk's blocks) with the byte n; checks that slots come back in order. */
    static class Writer implements ClosedLoop.Source {
        final ByteBuffer[] buffers;
        final long requests;
        final long blocks;
        final long[] slotRequest;
        final AtomicInteger mostInFlight = new AtomicInteger();
        final Set<String> nextThreads = ConcurrentHashMap.newKeySet();
        final List<String> problems = new CopyOnWriteArrayList<>();
        /** Requests completed: the one each completion expects back. */
        volatile long expected;

        Writer(int depth, long requests, long blocks) {
            buffers = new ByteBuffer[depth];
            slotRequest = new long[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = ByteBuffer.allocateDirect(BLOCK);
            }
            this.requests = requests;
            this.blocks = blocks;
        }

        @Override
        public ClosedLoop.Next next(long n, int slot, ClosedLoop.Requests to) {
            if (n >= requests) {
                return ClosedLoop.Next.END;
            }
            if (slot != n % buffers.length) {
                problems.add("request " + n + " in slot " + slot);
            }
            nextThreads.add(Thread.currentThread().getName());
            mostInFlight.accumulateAndGet((int) (n - expected + 1), Math::max);
            ByteBuffer b = buffers[slot].clear();
            while (b.hasRemaining()) {
                b.put((byte) n);
            }
            slotRequest[slot] = n;
            to.add(IoOp.WRITE, n % blocks * BLOCK, b.flip(), 0);
            return ClosedLoop.Next.ADDED;
        }

        @Override
        public void completed(int slot, IoStatus status) {
            if (status != IoStatus.OK || slotRequest[slot] != expected) {
                problems.add("slot " + slot + " came back with request " + slotRequest[slot] + " (" + status + "), expected " + expected);
            }
            expected++;
        }
    }

    private Disk raw(UbdDriver driver, String name, int index, int blocks) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, new byte[blocks * BLOCK]);
        return driver.attach("ubd" + index + "=" + f, KernelLog.DISCARD);
    }

    @Test
    void fromCompletionsTheIoThreadSubmitsTheNextRequestsAndTheLoopFinishes() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new BlockingWaitStrategy()))) {
            Disk d = raw(driver, "a.img", 0, 64);
            Writer w = new Writer(8, 1000, 64);
            ClosedLoop loop = ClosedLoop.fromCompletions(driver, d, 8, w);
            loop.run();
            assertTrue(loop.finished());
            assertEquals(List.of(), w.problems);
            assertEquals(1000, loop.completedCount());
            assertEquals(8, w.mostInFlight.get(), "kept 8 deep");
            assertEquals(Set.of(Thread.currentThread().getName(), "ubd-io-0"), w.nextThreads,
                    "the owner starts the loop, the I/O thread's completions carry it on");
            byte[] file = Files.readAllBytes(dir.resolve("a.img"));
            for (int block = 0; block < 64; block++) {
                byte last = (byte) (block + (999 - block) / 64 * 64); // the last request that wrote this block
                assertEquals(last, file[block * BLOCK], "block " + block);
                assertEquals(last, file[block * BLOCK + BLOCK - 1], "block " + block);
            }
        }
    }

    @Test
    void moreInFlightThanTheRingsRoomStillRunsAndFinishesOnEveryDisk() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(8, 1, new BlockingWaitStrategy()))) {
            Writer[] writers = new Writer[2];
            ClosedLoop[] loops = new ClosedLoop[2];
            for (int i = 0; i < 2; i++) {
                writers[i] = new Writer(16, 2000, 16);
                loops[i] = ClosedLoop.fromCompletions(driver, raw(driver, "d" + i, i, 16), 16, writers[i])
                        .watchedBy(Thread.currentThread());
                loops[i].pump();
            }
            for (int i = 0; i < 2; i++) {
                assertTrue(loops[i].awaitFinished(30, TimeUnit.SECONDS), "loop " + i + " finished");
                assertEquals(List.of(), writers[i].problems);
                assertEquals(2000, loops[i].completedCount());
            }
        }
    }

    @Test
    void aRequestInTwoPartsCompletesOnceWithTheFirstStatusThatWasNotOk() throws Exception {
        Path f = dir.resolve("ro.img");
        Files.write(f, new byte[16 * BLOCK]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk ro = driver.attach("ubd0r=" + f, KernelLog.DISCARD);
            ByteBuffer a = ByteBuffer.allocateDirect(BLOCK);
            ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
            List<IoStatus> heard = new CopyOnWriteArrayList<>();
            ClosedLoop.Source source = new ClosedLoop.Source() {
                @Override
                public ClosedLoop.Next next(long n, int slot, ClosedLoop.Requests to) {
                    switch ((int) n) {
                        case 0 -> {
                            to.addPart(IoOp.READ, 0, a.clear(), 0);
                            to.add(IoOp.WRITE, BLOCK, b.clear(), 0); // read-only: READ_ONLY
                        }
                        case 1 -> {
                            to.addPart(IoOp.WRITE, 0, a.clear(), 0);
                            to.add(IoOp.READ, BLOCK, b.clear(), 0);
                        }
                        case 2 -> {
                            to.addPart(IoOp.READ, 0, a.clear(), 0);
                            to.add(IoOp.READ, 15L * BLOCK, b.clear(), 0);
                        }
                        default -> {
                            return ClosedLoop.Next.END;
                        }
                    }
                    return ClosedLoop.Next.ADDED;
                }

                @Override
                public void completed(int slot, IoStatus status) {
                    heard.add(status);
                }
            };
            for (ClosedLoop loop : new ClosedLoop[] {ClosedLoop.fromCompletions(driver, ro, 1, source),
                    ClosedLoop.fromOwner(driver, ro, 1, source)}) {
                heard.clear();
                loop.run();
                assertEquals(List.of(IoStatus.READ_ONLY, IoStatus.READ_ONLY, IoStatus.OK), heard);
            }
        }
    }

    @Test
    void whatASourceThrowsInACompletionStopsTheLoopAndTheOwnerGetsIt() throws Exception {
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = raw(driver, "a.img", 0, 16);
            IllegalStateException bug = new IllegalStateException("a source's bug");
            for (boolean fromCompletions : new boolean[] {true, false}) {
                Writer w = new Writer(4, 100, 16) {
                    @Override
                    public void completed(int slot, IoStatus status) {
                        super.completed(slot, status);
                        if (expected == 10) {
                            throw bug;
                        }
                    }
                };
                ClosedLoop loop = fromCompletions ? ClosedLoop.fromCompletions(driver, d, 4, w) : ClosedLoop.fromOwner(driver, d, 4, w);
                assertSame(bug, assertThrows(IllegalStateException.class, loop::run));
                assertSame(bug, loop.failure());
                assertTrue(loop.completedCount() < 100);
            }
        }
    }

    @Test
    void fromTheOwnerEveryRequestIsSubmittedByTheOwnerAtMostDepthInFlight() throws Exception {
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = raw(driver, "a.img", 0, 32);
            for (int depth : new int[] {1, 4}) {
                Writer w = new Writer(depth, 500, 32);
                ClosedLoop loop = ClosedLoop.fromOwner(driver, d, depth, w).spinning(depth == 1 ? 0 : 1000);
                int steps = 0;
                while (loop.step()) {
                    steps++;
                }
                loop.drain();
                assertEquals(500, steps);
                assertTrue(loop.finished());
                assertEquals(List.of(), w.problems);
                assertEquals(Set.of(Thread.currentThread().getName()), w.nextThreads);
                assertTrue(w.mostInFlight.get() <= depth, "at most " + depth + " in flight: " + w.mostInFlight.get());
            }
            byte[] file = Files.readAllBytes(dir.resolve("a.img"));
            byte[] block = new byte[BLOCK];
            System.arraycopy(file, 31 * BLOCK, block, 0, BLOCK);
            byte[] want = new byte[BLOCK];
            Arrays.fill(want, (byte) (31 + (499 - 31) / 32 * 32));
            assertArrayEquals(want, block);
        }
    }
}
