package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/**
 * Many threads submit random, heavily overlapping requests to several disks at once; a sequential
 * model of each disk, advanced in the completion callbacks (which a disk runs on its own I/O
 * thread, in execution order), checks every read against exactly the state the disk had when it
 * ran. Afterwards each disk is reopened and must equal its model, bits included: no write lost or
 * reordered, no bit lost between concurrent writers.
 *
 * <p>Scale with -Dubd.test.scale=N (requests per thread = 6000 N); CI runs the default.
 */
class ConcurrencyModelTest {
    static final int SECTORS = 512;
    static final int HOT = 96;

    @TempDir
    Path dir;

    static final class Model {
        final byte[] bytes;
        final BitSet touched = new BitSet();
        long reads;
        long mismatches;

        Model(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    @Test
    void overlappingRequestsFromManyThreadsMatchASequentialModel() throws Exception {
        int scale = Integer.getInteger("ubd.test.scale", 1);
        int threads = 4;
        int perThread = 6000 * scale;
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), SECTORS * 512L, new java.util.Random(5));
        byte[] backing = Files.readAllBytes(back);
        AtomicLong failures = new AtomicLong();
        ConcurrentLinkedQueue<String> firstMismatches = new ConcurrentLinkedQueue<>();
        List<Disk> disks = new ArrayList<>();
        List<Model> models = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver(new DriverConfig(1024, 2, new BlockingWaitStrategy()))) {
            for (int i = 0; i < 4; i++) {
                disks.add(driver.attach("ubd" + i + "=" + dir.resolve("cow" + i + ".img") + "," + back, KernelLog.DISCARD));
                models.add(new Model(backing.clone()));
            }
            Path raw = Files.write(dir.resolve("raw.img"), backing);
            disks.add(driver.attach("ubd4=" + raw, KernelLog.DISCARD));
            models.add(new Model(backing.clone()));

            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> jobs = new ArrayList<>();
            AtomicLong writeIds = new AtomicLong();
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(100 + t);
                jobs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int d = rnd.nextInt(disks.size());
                        submitRandom(driver, disks.get(d), models.get(d), rnd, writeIds, failures, firstMismatches);
                    }
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                j.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();
            for (Disk d : disks) {
                driver.submit(d, IoOp.FLUSH, 0, null, 0).join();
            }
        }
        long reads = models.stream().mapToLong(m -> m.reads).sum();
        long mismatches = models.stream().mapToLong(m -> m.mismatches).sum();
        assertEquals(0, failures.get(), "requests that did not complete OK");
        assertEquals(0, mismatches, "reads that did not match the model: " + firstMismatches);
        assertTrue(reads > perThread * threads / 4, "reads checked: " + reads);

        try (UbdDriver driver = new UbdDriver()) {
            for (int i = 0; i < disks.size(); i++) {
                String spec = i < 4 ? "ubd" + i + "r=" + dir.resolve("cow" + i + ".img") : "ubd4r=" + dir.resolve("raw.img");
                Disk d = driver.attach(spec, KernelLog.DISCARD);
                assertArrayEquals(models.get(i).bytes, DeviceModelTest.read(driver, d, 0, SECTORS * 512), "disk " + i + " after reopening");
            }
        }
        for (int i = 0; i < 4; i++) {
            try (CowFile f = CowFile.open(dir.resolve("cow" + i + ".img"))) {
                assertEquals(models.get(i).touched.cardinality(), f.bitmap().cardinality(), "bits of disk " + i);
            }
        }
        assertArrayEquals(backing, Files.readAllBytes(back));
    }

    private static void submitRandom(UbdDriver driver, Disk disk, Model model, SplittableRandom rnd, AtomicLong writeIds,
                                     AtomicLong failures, ConcurrentLinkedQueue<String> firstMismatches) {
        // most requests land in a small hot region, so they overlap all the time
        int first = rnd.nextInt(4) == 0 ? rnd.nextInt(SECTORS) : rnd.nextInt(HOT);
        int count = 1 + rnd.nextInt(Math.min(SECTORS - first, rnd.nextInt(8) == 0 ? 64 : 9));
        int off = first * 512;
        int len = count * 512;
        int kind = rnd.nextInt(10);
        if (kind < 4) {
            long id = writeIds.incrementAndGet();
            ByteBuffer b = ByteBuffer.allocate(len);
            for (int s = 0; s < count; s++) {
                for (int i = 0; i < 64; i++) {
                    b.putLong(id * 1_000_003L + (first + s) * 131L + i);
                }
            }
            b.flip();
            byte[] data = b.array().clone();
            driver.submit(disk, IoOp.WRITE, off, b, 0, (tag, status) -> {
                if (status != IoStatus.OK) {
                    failures.incrementAndGet();
                    return;
                }
                System.arraycopy(data, 0, model.bytes, off, len);
                model.touched.set(first, first + count);
            }, id);
        } else if (kind < 5) {
            IoOp op = rnd.nextBoolean() ? IoOp.DISCARD : IoOp.WRITE_ZEROES;
            driver.submit(disk, op, off, null, len, (tag, status) -> {
                if (status != IoStatus.OK) {
                    failures.incrementAndGet();
                    return;
                }
                Arrays.fill(model.bytes, off, off + len, (byte) 0);
                model.touched.set(first, first + count);
            }, 0);
        } else {
            ByteBuffer b = rnd.nextBoolean() ? ByteBuffer.allocate(len) : ByteBuffer.allocateDirect(len);
            driver.submit(disk, IoOp.READ, off, b, 0, (tag, status) -> {
                if (status != IoStatus.OK) {
                    failures.incrementAndGet();
                    return;
                }
                model.reads++;
                byte[] got = new byte[len];
                b.duplicate().get(got);
                if (Arrays.mismatch(got, 0, len, model.bytes, off, off + len) >= 0) {
                    model.mismatches++;
                    if (firstMismatches.size() < 5) {
                        firstMismatches.add(disk.name() + " [" + off + ", +" + len + ")");
                    }
                }
            }, 0);
        }
    }
}
