package org.ubdjava.driver.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.RequiresUmlKernel;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * Our driver and the real kernel on the same COW files, both ways: what our driver writes the
 * kernel reads back (in 4 KiB direct reads) byte for byte as our reads give it, and what the
 * kernel writes our driver reads as the kernel does. Random write sets of random sizes, a dozen
 * devices per boot. Plus the one place we differ on purpose: the kernel's B1 bug.
 */
@RequiresUmlKernel
class KernelDriverInteropTest {
    static final int DEVICES = 12;

    @TempDir
    Path dir;

    static String dev(int d) {
        return "/dev/ubd" + (char) ('a' + d);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String kernelSha(int d) {
        return "echo " + dev(d) + " $(dd if=" + dev(d) + " bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n";
    }

    /** Our whole device through our driver (ubd cat reads the same way). */
    /** Device {@code d}'s backing file: 65 to 6,064 sectors of random bytes. */
    private Path backing(int d, Random rnd) throws IOException {
        long sectors = 65 + rnd.nextInt(rnd.nextBoolean() ? 300 : 6000);
        return CowFixtures.randomBacking(dir.resolve("back" + d + ".img"), sectors * 512, rnd);
    }

    /** A write of 1 to 40 random sectors within a device: its first sector and its bytes. */
    record RandomWrite(long sector, byte[] data) {
        /** Up to 29 of them, in a device of {@code sectors}. */
        static List<RandomWrite> some(Random rnd, long sectors) {
            List<RandomWrite> writes = new ArrayList<>();
            for (int i = rnd.nextInt(30); i > 0; i--) {
                long s = (long) (rnd.nextDouble() * sectors);
                int n = (int) Math.min(sectors - s, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 40));
                byte[] data = new byte[n * 512];
                rnd.nextBytes(data);
                writes.add(new RandomWrite(s, data));
            }
            return writes;
        }
    }

    static byte[] ourRead(UbdDriver driver, Disk disk) {
        ByteBuffer b = ByteBuffer.allocateDirect((int) disk.size());
        assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, 0, b, 0).join());
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22})
    void whatOurDriverWritesTheKernelReads(long seed) throws Exception {
        Random rnd = new Random(seed);
        List<String> args = new ArrayList<>();
        StringBuilder script = new StringBuilder();
        List<String> want = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver()) {
            for (int d = 0; d < DEVICES; d++) {
                Path back = backing(d, rnd);
                Disk disk = driver.attach("ubd" + d + "=" + dir.resolve("cow" + d + ".img") + "," + back, KernelLog.DISCARD);
                for (RandomWrite w : RandomWrite.some(rnd, disk.size() / 512)) {
                    IoOp op = rnd.nextInt(8) == 0 ? IoOp.DISCARD : IoOp.WRITE;
                    IoStatus st = op == IoOp.WRITE ? driver.submit(disk, op, w.sector() * 512, ByteBuffer.wrap(w.data()), 0).join()
                            : driver.submit(disk, op, w.sector() * 512, null, w.data().length).join();
                    assertEquals(IoStatus.OK, st);
                }
                want.add(dev(d) + " " + sha256(ourRead(driver, disk)));
                args.add("ubd" + d + "=" + dir.resolve("cow" + d + ".img"));
                script.append(kernelSha(d));
            }
        }
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script.toString(), args, 180);
        assertEquals(0, r.exit(), r.out());
        assertEquals(String.join("\n", want) + "\n", r.out(), "kernel messages: " + r.kernelMessages());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {23, 24})
    void whatTheKernelWritesOurDriverReads(long seed) throws Exception {
        Random rnd = new Random(seed);
        List<String> args = new ArrayList<>();
        StringBuilder script = new StringBuilder();
        for (int d = 0; d < DEVICES; d++) {
            Path back = backing(d, rnd);
            args.add("ubd" + d + "=" + dir.resolve("cow" + d + ".img") + "," + back);
            List<RandomWrite> writes = RandomWrite.some(rnd, Files.size(back) / 512);
            for (int i = 0; i < writes.size(); i++) {
                RandomWrite w = writes.get(i);
                Path f = Files.write(dir.resolve("w" + d + "_" + i + ".bin"), w.data());
                script.append("dd if=").append(f).append(" of=").append(dev(d)).append(" bs=512 seek=").append(w.sector())
                        .append(" count=").append(w.data().length / 512).append(" oflag=direct conv=notrunc 2>/dev/null\n");
            }
            script.append(kernelSha(d));
        }
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script.toString(), args, 180);
        assertEquals(0, r.exit(), r.out());
        List<String> ours = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver()) {
            for (int d = 0; d < DEVICES; d++) {
                Disk disk = driver.attach("ubd" + d + "r=" + dir.resolve("cow" + d + ".img"), KernelLog.DISCARD);
                ours.add(dev(d) + " " + sha256(ourRead(driver, disk)));
            }
        }
        assertEquals(r.out(), String.join("\n", ours) + "\n");
    }

    @Test
    void largeReadsOfMixedPagesAreRightHereAndShiftedInTheKernel() throws Exception {
        // B1: in a read larger than 4 KiB, a page mixing COW and backing sectors misplaces what follows
        // every sector distinct: a shift must show (zero runs would hide it)
        byte[] content = new byte[256 * 512];
        new Random(9).nextBytes(content);
        Path back = Files.write(dir.resolve("back.img"), content);
        Path cow = dir.resolve("cow.img");
        byte[] ours;
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            byte[] one = new byte[512];
            new Random(10).nextBytes(one);
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.WRITE, 3 * 512, ByteBuffer.wrap(one), 0).join());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(ourRead(driver, disk));
            ours = out.toByteArray();
        }
        String script = "echo 4k $(dd if=/dev/ubda bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n"
                + "echo 64k $(dd if=/dev/ubda bs=65536 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n"
                + "echo 8k $(dd if=/dev/ubda bs=8192 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n";
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script, List.of("ubd0=" + cow), 120);
        assertEquals(0, r.exit(), r.out());
        String[] lines = r.out().split("\n");
        assertEquals("4k " + sha256(ours), lines[0], "4 KiB reads agree with ours");
        assertNotEquals("64k " + sha256(ours), lines[1], "the kernel's 64 KiB reads were expected to be wrong (B1)");
        assertNotEquals("8k " + sha256(ours), lines[2], "the kernel's 8 KiB reads were expected to be wrong (B1)");
    }
}
