package org.ubdjava.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class CowMergerTest {
    @TempDir
    Path dir;

    /**
     * Model: the merged image is the backing file with the written sectors replaced, cut to whole
     * sectors, and its allocation is the 4 KiB blocks holding a non-zero or the last sector.
     */
    @Property(tries = 60)
    void mergeMatchesTheModel(@ForAll @LongRange(min = 0, max = 3_000_000) long size,
                              @ForAll @IntRange(min = 0, max = 40) int writes,
                              @ForAll long seed) throws IOException {
        Path work = Files.createTempDirectory("moo-model");
        try {
            checkOne(work, size, writes, seed);
        } finally {
            TempDirs.delete(work);
        }
    }

    private static void checkOne(Path work, long size, int writes, long seed) throws IOException {
        Random rnd = new Random(seed);
        Path back = CowFixtures.randomBacking(work.resolve("back.img"), size, rnd);
        Path cow = work.resolve("cow.img");
        if (size == 0) {
            // the creator refuses a 0-byte disk; uml_mkcow makes one, and it still merges
            CowFixtures.cowFile(cow, CowFixtures.v3Header(back.toString(), Files.getLastModifiedTime(back).toMillis() / 1000, 0, 512, 4096));
        } else {
            CowCreator.create(cow, back.toString(), false);
        }
        long sectors = (size + 511) / 512;
        byte[] model = Arrays.copyOf(Files.readAllBytes(back), (int) (sectors * 512));
        for (int i = 0; i < writes && sectors > 0; i++) {
            long s = rnd.nextInt((int) sectors);
            int n = (int) Math.min(sectors - s, 1 + rnd.nextInt(16));
            byte[] data = new byte[n * 512];
            if (rnd.nextInt(4) != 0) {
                rnd.nextBytes(data);
            }
            CowFixtures.writeSectors(cow, s, data);
            System.arraycopy(data, 0, model, (int) (s * 512), data.length);
        }
        Path out = work.resolve("out.img");
        CowMerger.mergeInto(cow, null, out, x -> { });
        long whole = size / 512 * 512;
        byte[] merged = Files.readAllBytes(out);
        assertEquals(whole, merged.length);
        assertArrayEquals(Arrays.copyOf(model, (int) whole), merged);
        assertEquals(CowFixtures.extentsToString(expectedExtents(merged)),
                CowFixtures.extentsToString(CowFixtures.dataExtents(out)));
    }

    /**
     * A merge reads the backing file and nothing more: its holes stay holes. On tmpfs a read
     * through a shared mapping allocates a page in a hole, so merging over a sparse backing file
     * there used to inflate it (16 GB for two merges of a 32 GiB device); /dev/shm is tmpfs on
     * Linux, and on any other file system the check holds too.
     */
    @Test
    void mergeLeavesTheBackingFilesHolesAlone() throws IOException {
        Path shm = Path.of("/dev/shm");
        Path work = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "moo-holes") : dir;
        try {
            Path back = work.resolve("back.img");
            try (RandomAccessFile f = new RandomAccessFile(back.toFile(), "rw")) {
                f.setLength(64L << 20);
                f.seek(32L << 20);
                f.write(new byte[] {1, 2, 3});
            }
            Path cow = work.resolve("cow.img");
            CowCreator.create(cow, back.toString(), false);
            byte[] data = new byte[512];
            Arrays.fill(data, (byte) 7);
            for (long s = 0; s < (64L << 20) / 512; s += 5000) {
                CowFixtures.writeSectors(cow, s, data);
            }
            long before = allocated(back);
            Path out = work.resolve("out.img");
            CowMerger.mergeInto(cow, null, out, x -> { });
            assertEquals(before, allocated(back), "the backing file's allocation");
            byte[] merged = Files.readAllBytes(out);
            assertEquals(7, merged[5000 * 512]);
            assertEquals(0, merged[5000 * 512 + 512]);
            assertEquals(2, merged[(32 << 20) + 1]);
        } finally {
            if (!work.equals(dir)) {
                TempDirs.delete(work);
            }
        }
    }

    private static long allocated(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            return org.ubdjava.core.nativeio.NativeFiles.allocatedBytes(ch);
        }
    }

    /** 4 KiB blocks that hold a written sector: every non-zero sector, and the last one. */
    private static List<long[]> expectedExtents(byte[] image) {
        List<long[]> out = new java.util.ArrayList<>();
        int sectors = image.length / 512;
        for (int block = 0; block * 4096 < image.length; block++) {
            boolean written = false;
            for (int s = block * 8; s < Math.min(sectors, block * 8 + 8); s++) {
                written |= s == sectors - 1 || !CowMerger.isZero(image, s * 512, 512);
            }
            if (written) {
                long start = block * 4096L;
                long end = Math.min(image.length, start + 4096);
                if (!out.isEmpty() && out.get(out.size() - 1)[1] == start) {
                    out.get(out.size() - 1)[1] = end;
                } else {
                    out.add(new long[] {start, end});
                }
            }
        }
        return out;
    }

    @Test
    void inPlaceWritesOnlyTheCowSectors() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] expected = Files.readAllBytes(back);
        byte[] ones = new byte[1024];
        Arrays.fill(ones, (byte) 0x11);
        CowFixtures.writeSectors(cow, 3, ones);
        CowFixtures.writeSectors(cow, 5, new byte[512]);
        System.arraycopy(ones, 0, expected, 3 * 512, 1024);
        Arrays.fill(expected, 5 * 512, 6 * 512, (byte) 0);
        CowMerger.Result r = CowMerger.mergeInPlace(cow, null, x -> { });
        assertEquals(3, r.sectorsFromCow());
        assertArrayEquals(expected, Files.readAllBytes(back));
    }

    @Test
    void refusesToWriteOverTheBackingFile() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] before = Files.readAllBytes(back);
        UbdException e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, back, x -> { }));
        assertEquals(back + ": is the backing file; refusing to write the merge over it", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(back));
        assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, cow, x -> { }));
    }

    @Test
    void refusesASymlinkLoopAsNewFileAndLeavesIt() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path loop = Files.createSymbolicLink(dir.resolve("loop"), dir.resolve("loop"));
        UbdException e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, loop, x -> { }));
        assertEquals(loop + ": Too many levels of symbolic links", e.getMessage());
        assertEquals(loop, Files.readSymbolicLink(loop));
    }

    @Test
    void mismatchesUseTheKernelsWordsHeaderFirst() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Files.setLastModifiedTime(back, FileTime.fromMillis((CowFixtures.MTIME + 632) * 1000));
        UbdException e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, dir.resolve("o.img"), x -> { }));
        assertEquals("mtime mismatch (1614834367 vs 1614834999) of COW header vs backing file \"" + back.toRealPath() + "\"", e.getMessage());
        try (RandomAccessFile f = new RandomAccessFile(back.toFile(), "rw")) {
            f.setLength(10752);
        }
        e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, dir.resolve("o.img"), x -> { }));
        assertEquals("Size mismatch (10240 vs 10752) of COW header vs backing file \"" + back.toRealPath() + "\"", e.getMessage());
        assertFalse(Files.exists(dir.resolve("o.img")));
    }

    @Test
    void subSecondChangesAreNotDetectedLikeTheKernel() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Files.setLastModifiedTime(back, FileTime.fromMillis(CowFixtures.MTIME * 1000 + 700));
        CowMerger.mergeInto(cow, null, dir.resolve("o.img"), x -> { });
        assertTrue(Files.exists(dir.resolve("o.img")));
    }

    @Test
    void truncatedCowDataIsAnErrorAndLeavesNoOutput() throws IOException {
        // as uml_moo sees it: sector 7 marked present, its data past the end
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        CowFixtures.writeSectors(cow, 7, new byte[512]);
        try (RandomAccessFile f = new RandomAccessFile(cow.toFile(), "rw")) {
            f.setLength(12288 + 2560);
        }
        Path out = dir.resolve("o.img");
        Files.write(out, new byte[] {42});
        UbdException e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, out, x -> { }));
        assertTrue(e.getMessage().startsWith(cow + ": ends at 14848"), e.getMessage());
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(out), "the old output is untouched");
        try (var s = Files.list(dir)) {
            assertEquals(3, s.count(), "no temporary file left");
        }
    }

    @Test
    void tailSectorIsDroppedAsByUmlMoo() throws IOException {
        for (int size : new int[] {1000, 100, 0}) {
            Path back = dir.resolve("b" + size);
            Files.write(back, new byte[size]);
            Path cow = dir.resolve("c" + size);
            // over an empty file only by hand (or uml_mkcow): the creator refuses a 0-byte disk
            CowFixtures.cowFile(cow, CowFixtures.v3Header(back.toString(), Files.getLastModifiedTime(back).toMillis() / 1000, size, 512, 4096));
            Path out = dir.resolve("o" + size);
            CowMerger.mergeInto(cow, null, out, x -> { });
            assertEquals(size / 512 * 512, Files.size(out));
        }
    }

    @Test
    void backingOverrideIsStillChecked() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path moved = dir.resolve("moved.img");
        Files.move(back, moved);
        UbdException e = assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, null, dir.resolve("o.img"), x -> { }));
        assertEquals("backing file \"" + dir.toRealPath() + "/back.img\": No such file or directory", e.getMessage());
        CowMerger.mergeInto(cow, moved, dir.resolve("o.img"), x -> { });
        Files.write(moved, new byte[10240]);
        assertTrue(assertThrows(UbdException.class, () -> CowMerger.mergeInto(cow, moved, dir.resolve("o2.img"), x -> { }))
                .getMessage().startsWith("mtime mismatch (1614834367 vs "));
    }
}
