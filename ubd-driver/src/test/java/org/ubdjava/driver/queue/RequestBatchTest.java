package org.ubdjava.driver.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;

import com.lmax.disruptor.BlockingWaitStrategy;

class RequestBatchTest {
    @TempDir
    Path dir;

    @Test
    void aBatchIsPublishedWholeAndEachRequestCompletesOnItsDisksThread() throws Exception {
        Path back = CowFixtures.referenceBacking(dir, 64);
        try (UbdDriver driver = new UbdDriver(new DriverConfig(64, 2, new BlockingWaitStrategy()))) {
            Disk a = driver.attach("ubd0=" + dir.resolve("a.cow") + "," + back, KernelLog.DISCARD);
            Disk b = driver.attach("ubd1=" + dir.resolve("b.cow") + "," + back, KernelLog.DISCARD);
            assertNotEquals(a.ioThread(), b.ioThread(), "disks are spread over the I/O threads");
            RequestBatch batch = new RequestBatch(8);
            CountDownLatch done = new CountDownLatch(8);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            IoStatus[] status = new IoStatus[8];
            Completion c = (tag, s) -> {
                status[(int) tag] = s;
                threads.add(Thread.currentThread().getName());
                done.countDown();
            };
            for (int i = 0; i < 8; i++) {
                ByteBuffer w = ByteBuffer.allocateDirect(512);
                while (w.hasRemaining()) {
                    w.put((byte) i);
                }
                batch.add(a, IoOp.WRITE, i * 512L, w.flip(), 0, c, i);
            }
            assertTrue(driver.trySubmit(batch));
            assertEquals(8, batch.size(), "the batch is left as it was");
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(Set.of("ubd-io-" + a.ioThread()), threads);
            for (int i = 0; i < 8; i++) {
                assertEquals(IoStatus.OK, status[i]);
                ByteBuffer r = ByteBuffer.allocateDirect(512);
                assertEquals(IoStatus.OK, driver.submit(a, IoOp.READ, i * 512L, r, 0).get(10, TimeUnit.SECONDS));
                byte[] got = new byte[512];
                r.clear().get(got);
                byte[] want = new byte[512];
                java.util.Arrays.fill(want, (byte) i);
                assertArrayEquals(want, got);
            }
            batch.clear();
            batch.add(a, IoOp.FLUSH, 0, null, 0, c, 0);
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                    () -> batch.add(b, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0));
            assertTrue(mixed.getMessage().startsWith("a batch goes to one I/O thread"), mixed.getMessage());
        }
    }

    @Test
    void misuseFailsWhenARequestIsAddedAndClaimsNothing() throws Exception {
        Path back = CowFixtures.referenceBacking(dir, 64);
        try (UbdDriver driver = new UbdDriver(new DriverConfig(4, 1, new BlockingWaitStrategy()))) {
            Disk a = driver.attach("ubd0=" + dir.resolve("a.cow") + "," + back, KernelLog.DISCARD);
            RequestBatch batch = new RequestBatch(2);
            assertThrows(NullPointerException.class, () -> batch.add(null, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (t, s) -> { }, 0));
            assertThrows(NullPointerException.class, () -> batch.add(a, IoOp.READ, 0, null, 0, (t, s) -> { }, 0));
            assertEquals(0, batch.size());
            batch.add(a, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0).add(a, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0);
            assertThrows(IllegalStateException.class, () -> batch.add(a, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0));
            RequestBatch tooBig = new RequestBatch(5);
            for (int i = 0; i < 5; i++) {
                tooBig.add(a, IoOp.FLUSH, 0, null, 0, (t, s) -> { }, 0);
            }
            assertThrows(IllegalArgumentException.class, () -> driver.trySubmit(tooBig), "more requests than the ring has slots");
            // nothing was claimed by the failures: the ring still serves every slot
            for (int i = 0; i < 16; i++) {
                assertEquals(IoStatus.OK, driver.submit(a, IoOp.FLUSH, 0, null, 0).get(10, TimeUnit.SECONDS));
            }
        }
    }
}
