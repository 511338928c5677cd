package org.ubdjava.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlKernel;
import org.ubdjava.realtools.UmlKernel;

/**
 * The COW format both ways with the real kernel: COW files the kernel creates and writes are read
 * and merged by our code exactly as uml_moo merges them, and COW files our code makes are read by
 * the kernel as the bytes they should hold. Random sizes and write sets, a dozen devices per boot;
 * the seed is in the test name, so a failure can be replayed.
 *
 * <p>Backing files are above 64 sectors: the real driver hangs opening a COW device whose bitmap
 * is a single 8-byte word (bug B4), see {@link #theKernelHangsOnTinyCowDevicesButWeDoNot}.
 */
@RequiresUmlKernel
class KernelCowInteropTest {
    static final int DEVICES = 12;

    @TempDir
    Path dir;

    record Write(long sector, byte[] data) {
    }

    static long randomSize(Random rnd, boolean wholeSectors) {
        long sectors = 65 + rnd.nextInt(rnd.nextBoolean() ? 200 : 8000);
        return wholeSectors ? sectors * 512 : sectors * 512 - rnd.nextInt(512);
    }

    static List<Write> randomWrites(Random rnd, long deviceSectors) {
        List<Write> ws = new ArrayList<>();
        int n = rnd.nextInt(24);
        for (int i = 0; i < n; i++) {
            long s = (long) (rnd.nextDouble() * deviceSectors);
            int count = (int) Math.min(deviceSectors - s, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 20));
            byte[] data = new byte[count * 512];
            if (rnd.nextInt(5) != 0) {
                rnd.nextBytes(data);
            }
            ws.add(new Write(s, data));
        }
        return ws;
    }

    /** Backing content with the writes applied, cut to whole sectors of the backing file (what uml_moo keeps). */
    static byte[] expected(Path backing, List<Write> writes, long bytes) throws IOException {
        byte[] img = Arrays.copyOf(Files.readAllBytes(backing), (int) bytes);
        for (Write w : writes) {
            int at = (int) (w.sector() * 512);
            System.arraycopy(w.data(), 0, img, at, Math.min(w.data().length, img.length - at));
        }
        return img;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void cowFilesWrittenByTheKernelMergeAsUmlMooMergesThem(long seed) throws IOException {
        Random rnd = new Random(seed);
        StringBuilder script = new StringBuilder("set -e\n");
        List<String> args = new ArrayList<>();
        List<List<Write>> writes = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            long size = randomSize(rnd, false);
            Path back = CowFixtures.randomBacking(dir.resolve("back" + d + ".img"), size, rnd);
            args.add("ubd" + d + "=" + dir.resolve("cow" + d + ".img") + "," + back);
            List<Write> ws = randomWrites(rnd, (size + 511) / 512);
            writes.add(ws);
            for (int i = 0; i < ws.size(); i++) {
                Path data = Files.write(dir.resolve("w" + d + "_" + i + ".bin"), ws.get(i).data());
                script.append("dd if=").append(data).append(" of=/dev/ubd").append((char) ('a' + d))
                        .append(" bs=512 seek=").append(ws.get(i).sector()).append(" count=").append(ws.get(i).data().length / 512)
                        .append(" oflag=direct conv=notrunc 2>/dev/null\n");
            }
            // open every device, so the kernel creates its COW file even when nothing is written
            script.append("dd if=/dev/ubd").append((char) ('a' + d)).append(" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null\n");
        }
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script.toString(), args, 180);
        assertEquals(0, r.exit(), r.out() + r.kernelMessages());
        for (int d = 0; d < DEVICES; d++) {
            Path cow = dir.resolve("cow" + d + ".img");
            Path back = dir.resolve("back" + d + ".img");
            assertTrue(r.kernelMessages().contains("Creating \"" + cow + "\" as COW file for \"" + back + "\""), r.kernelMessages().toString());
            long written;
            try (CowFile f = CowFile.open(cow)) {
                written = f.bitmap().cardinality();
            }
            assertEquals(writes.get(d).stream().flatMapToLong(w -> java.util.stream.LongStream.range(w.sector(), w.sector() + w.data().length / 512))
                    .distinct().count(), written, "bits set by the kernel in " + cow);
            Exec.Result real = Exec.run(dir, List.of(RealTools.umlMoo(), cow.toString(), "theirs" + d + ".img"));
            assertEquals(0, real.exit(), real.both());
            Path ours = dir.resolve("ours" + d + ".img");
            CowMerger.mergeInto(cow, null, ours, x -> { });
            UmlMooInteropTest.assertSameImage(dir.resolve("theirs" + d + ".img"), ours);
            long whole = Files.size(back) / 512 * 512;
            assertArrayEquals(expected(back, writes.get(d), whole), Files.readAllBytes(ours), "device " + d);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 4})
    void cowFilesMadeByUsReadRightInTheKernel(long seed) throws Exception {
        Random rnd = new Random(seed);
        StringBuilder script = new StringBuilder();
        List<String> args = new ArrayList<>();
        List<String> want = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            // whole sectors: reading a partial last sector hits the kernel's B3 bug
            long size = randomSize(rnd, true);
            Path back = CowFixtures.randomBacking(dir.resolve("back" + d + ".img"), size, rnd);
            Path cow = dir.resolve("cow" + d + ".img");
            CowCreator.create(cow, back.toString(), false);
            List<Write> ws = randomWrites(rnd, size / 512);
            for (Write w : ws) {
                CowFixtures.writeSectors(cow, w.sector(), w.data());
            }
            args.add("ubd" + d + "=" + cow);
            want.add("/dev/ubd" + (char) ('a' + d) + " " + sha256(expected(back, ws, size)));
            // 4 KiB direct reads: larger ones hit the kernel's B1 bug on mixed pages
            script.append("echo /dev/ubd").append((char) ('a' + d)).append(" $(dd if=/dev/ubd").append((char) ('a' + d))
                    .append(" bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n");
        }
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script.toString(), args, 180);
        assertEquals(0, r.exit(), r.out());
        assertEquals(String.join("\n", want) + "\n", r.out(), "kernel messages: " + r.kernelMessages());
    }

    @Test
    void theKernelHangsOnTinyCowDevicesButWeDoNot() throws Exception {
        // bug B4: with a one-word bitmap (v3 devices of at most 64 sectors) the kernel's bitmap
        // write-back index goes to -1; the first write never completes
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("tiny.img");
        Path data = Files.write(dir.resolve("w.bin"), new byte[512]);
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run("dd if=" + data
                + " of=/dev/ubda bs=512 seek=3 count=1 oflag=direct conv=notrunc; echo wrote", List.of("ubd0=" + cow + "," + back), 12);
        assertEquals(-1, r.exit(), "the real kernel was expected to hang (B4); it finished: " + r.out());
        CowCreator.create(dir.resolve("ours.img"), back.toString(), false);
        CowFixtures.writeSectors(dir.resolve("ours.img"), 19, new byte[512]);
        CowMerger.mergeInto(dir.resolve("ours.img"), null, dir.resolve("merged.img"), x -> { });
        assertEquals(10240, Files.size(dir.resolve("merged.img")));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
