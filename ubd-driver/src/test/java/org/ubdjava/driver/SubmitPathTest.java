package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/** The submit path never leaves a claimed slot unpublished and never loses a request: misuse fails fast. */
class SubmitPathTest {
    @TempDir
    Path dir;

    private Disk attach(UbdDriver driver, int unit) throws IOException {
        Path sub = java.nio.file.Files.createDirectories(dir.resolve("d" + unit));
        Path back = CowFixtures.referenceBacking(sub, 20);
        return driver.attach("ubd" + unit + "=" + sub.resolve("cow") + "," + back, KernelLog.DISCARD);
    }

    private static IoStatus readWithin(UbdDriver driver, Disk d) throws Exception {
        return driver.submit(d, IoOp.READ, 0, ByteBuffer.allocateDirect(512), 0).get(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck ring fails the test, never hangs it
    void badArgumentsFailBeforeClaimingASlotAndLaterRequestsStillComplete() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(8, 2, new com.lmax.disruptor.BlockingWaitStrategy()))) {
            Disk a = attach(driver, 0);
            Disk b = attach(driver, 1);
            ByteBuffer buf = ByteBuffer.allocateDirect(512);
            // more bad calls than the ring has slots: had any of them kept a slot, the ring would be stuck
            RuntimeException nullDisk = null;
            for (int i = 0; i < 20; i++) {
                nullDisk = assertThrows(NullPointerException.class, () -> driver.submit(null, IoOp.READ, 0, buf, 0, (t, s) -> { }, 0));
                assertThrows(NullPointerException.class, () -> driver.trySubmit(null, IoOp.READ, 0, buf, 0, (t, s) -> { }, 0));
            }
            assertEquals(IoStatus.OK, readWithin(driver, a));
            assertEquals(IoStatus.OK, readWithin(driver, b));
            RuntimeException noBuffer = null;
            for (int i = 0; i < 20; i++) {
                noBuffer = assertThrows(NullPointerException.class, () -> driver.submit(a, IoOp.WRITE, 0, null, 0, (t, s) -> { }, 0));
                assertThrows(NullPointerException.class, () -> driver.submit(a, null, 0, buf, 0, (t, s) -> { }, 0));
                assertThrows(NullPointerException.class, () -> driver.submit(a, IoOp.FLUSH, 0, null, 0, null, 0));
            }
            assertEquals(IoStatus.OK, readWithin(driver, a));
            assertEquals("submit: disk is null", nullDisk.getMessage());
            assertEquals("submit: WRITE on ubda without a buffer", noBuffer.getMessage());
        }
    }

    @Test
    void aDiskOfAnotherDriverIsRefused() throws Exception {
        try (UbdDriver one = new UbdDriver(); UbdDriver other = new UbdDriver(new DriverConfig(16, 2, new com.lmax.disruptor.BlockingWaitStrategy()))) {
            attach(other, 0);
            Disk foreign = attach(other, 1); // shard 1: the first driver has no such I/O thread
            Disk own = attach(one, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> one.submit(foreign, IoOp.READ, 0, ByteBuffer.allocateDirect(512), 0));
            assertTrue(e.getMessage().contains("ubdb is not attached to this driver"), e.getMessage());
            assertEquals(IoStatus.OK, readWithin(one, own));
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyRequestAcceptedWhileCloseRunsCompletes() throws Exception {
        Path raw = dir.resolve("raw.img");
        java.nio.file.Files.write(raw, new byte[64 * 1024]);
        for (int round = 0; round < 200; round++) {
            UbdDriver driver = new UbdDriver(new DriverConfig(64, 1, new com.lmax.disruptor.BlockingWaitStrategy()));
            Disk d = driver.attach("ubd0=" + raw, KernelLog.DISCARD);
            java.util.concurrent.atomic.LongAdder accepted = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder completed = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.AtomicReference<Throwable> unexpected = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(4);
            Thread[] submitters = new Thread[4];
            for (int t = 0; t < submitters.length; t++) {
                submitters[t] = new Thread(() -> {
                    running.countDown();
                    try {
                        while (true) {
                            driver.submit(d, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, status) -> completed.increment(), 0);
                            accepted.increment();
                        }
                    } catch (IllegalStateException refused) {
                        if (!refused.getMessage().equals("driver closed")) {
                            unexpected.set(refused);
                        }
                    } catch (Throwable e) {
                        unexpected.set(e);
                    }
                });
                submitters[t].start();
            }
            running.await();
            driver.close();
            for (Thread t : submitters) {
                t.join(5_000);
                assertTrue(!t.isAlive(), "a submitter is stuck in round " + round);
            }
            assertEquals(null, unexpected.get());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (completed.sum() < accepted.sum() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(accepted.sum(), completed.sum(), "requests accepted but never completed, round " + round);
        }
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // before the check this deadlocked
    void aBlockingSubmitFromACompletionFailsFastAndTrySubmitWorks() throws Exception {
        try (UbdDriver driver = new UbdDriver(new DriverConfig(8, 1, new com.lmax.disruptor.BlockingWaitStrategy()))) {
            Disk d = attach(driver, 0);
            java.util.concurrent.CompletableFuture<Throwable> refused = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Boolean> tried = new java.util.concurrent.CompletableFuture<>();
            driver.submit(d, IoOp.FLUSH, 0, null, 0, (tag, status) -> {
                try {
                    // more than the ring holds: only this thread could make room
                    for (int i = 0; i < 20; i++) {
                        driver.submit(d, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0);
                    }
                    refused.complete(null);
                } catch (Throwable e) {
                    refused.complete(e);
                }
                tried.complete(driver.trySubmit(d, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0));
            }, 0);
            Throwable e = refused.get(10, TimeUnit.SECONDS);
            assertTrue(e instanceof IllegalStateException, String.valueOf(e));
            assertEquals("submit: blocking submit on I/O thread ubd-io-0 (from a completion?): it could wait for room only "
                    + "this thread can free; use trySubmit, or submit from another thread", e.getMessage());
            assertTrue(tried.get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.OK, readWithin(driver, d));
        }
    }
}
