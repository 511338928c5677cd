package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The driver against a byte-array model of each disk: random reads, writes, discards and
 * write-zeroes of any size and alignment within 512, on a COW device over a backing file of odd
 * size (with holes) and on a raw image. Every read is compared with the model; after the run the
 * disks are reopened (the bitmap must have been persisted) and merged.
 */
class DeviceModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void cowAndRawDevicesBehaveLikeTheModel(long seed) throws Exception {
        Random rnd = new Random(seed);
        long backingSize = 512L * (64 + rnd.nextInt(4000)) - rnd.nextInt(512);
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), backingSize, rnd);
        byte[] backingBefore = Files.readAllBytes(back);
        long backingMtime = Files.getLastModifiedTime(back).toMillis();
        Path raw = CowFixtures.randomBacking(dir.resolve("raw.img"), 512L * (64 + rnd.nextInt(2000)), rnd);

        byte[] cowModel;
        byte[] rawModel;
        try (UbdDriver driver = new UbdDriver()) {
            Disk cow = driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            Disk img = driver.attach("ubd1=" + raw, KernelLog.DISCARD);
            assertEquals((backingSize + 511) / 512 * 512, cow.size());
            // the device's tail past the backing file's end reads as zeros (the kernel's B3 repeats data there)
            cowModel = Arrays.copyOf(backingBefore, (int) cow.size());
            rawModel = Files.readAllBytes(raw);
            for (int i = 0; i < 400; i++) {
                boolean onCow = rnd.nextBoolean();
                exercise(driver, onCow ? cow : img, onCow ? cowModel : rawModel, rnd);
            }
        }
        assertArrayEquals(backingBefore, Files.readAllBytes(back), "the backing file was written");
        assertEquals(backingMtime, Files.getLastModifiedTime(back).toMillis());
        assertArrayEquals(rawModel, Arrays.copyOf(Files.readAllBytes(raw), rawModel.length));

        try (UbdDriver driver = new UbdDriver()) {
            Disk cow = driver.attach("ubd0r=" + dir.resolve("cow.img"), KernelLog.DISCARD);
            assertArrayEquals(cowModel, read(driver, cow, 0, (int) cow.size()), "after reopening");
        }
        Path merged = dir.resolve("merged.img");
        CowMerger.mergeInto(dir.resolve("cow.img"), null, merged, x -> { });
        assertArrayEquals(Arrays.copyOf(cowModel, (int) (backingSize / 512 * 512)), Files.readAllBytes(merged));
        try (CowFile f = CowFile.open(dir.resolve("cow.img"))) {
            assertEquals(0, org.ubdjava.core.format.CowInspector.check(f).size(), org.ubdjava.core.format.CowInspector.check(f).toString());
        }
    }

    static void exercise(UbdDriver driver, Disk disk, byte[] model, Random rnd) {
        int sectors = (int) (disk.size() / 512);
        int first = rnd.nextInt(sectors);
        int count = 1 + rnd.nextInt(Math.min(sectors - first, rnd.nextInt(4) == 0 ? 300 : 17));
        int off = first * 512;
        int len = count * 512;
        switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3 -> {
                byte[] data = new byte[len];
                rnd.nextBytes(data);
                ByteBuffer b = rnd.nextBoolean() ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len);
                b.put(data).flip();
                assertEquals(IoStatus.OK, driver.submit(disk, IoOp.WRITE, off, b, 0).join());
                System.arraycopy(data, 0, model, off, len);
            }
            case 4 -> {
                assertEquals(IoStatus.OK, driver.submit(disk, IoOp.DISCARD, off, null, len).join());
                Arrays.fill(model, off, off + len, (byte) 0);
            }
            case 5 -> {
                assertEquals(IoStatus.OK, driver.submit(disk, IoOp.WRITE_ZEROES, off, null, len).join());
                Arrays.fill(model, off, off + len, (byte) 0);
            }
            case 6 -> assertEquals(IoStatus.OK, driver.submit(disk, IoOp.FLUSH, 0, null, 0).join());
            default -> assertArrayEquals(Arrays.copyOfRange(model, off, off + len), read(driver, disk, off, len),
                    disk.name() + " [" + off + ", +" + len + ")");
        }
    }

    static byte[] read(UbdDriver driver, Disk disk, long off, int len) {
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, off, b, 0).join());
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    static String sha(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
