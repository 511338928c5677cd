package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.ForeignLock;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.testing.CowFixtures;

class SafeRebaseTest {

    @TempDir
    Path dir;

    /** A base image with data, zeros and holes; a COW file over it with the guest's writes. */
    Path base(String name, long size, Random rnd) throws IOException {
        return CowFixtures.randomBacking(dir.resolve(name), size, rnd);
    }

    Path cowOver(String name, Path backing, int writes, Random rnd) throws IOException {
        Path cow = dir.resolve(name);
        CowCreator.create(cow, backing.toString(), false);
        RebaseFixtures.randomWrites(cow, (Files.size(backing) + SECTOR - 1) / SECTOR, writes, rnd);
        return cow;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void theGuestSeesTheSameBytesAndTheCowGrowsByTheDifferingUnheldSectors(long seed) throws IOException {
        Random rnd = new Random(seed);
        long size = 1 + rnd.nextInt(6 << 20);
        Path old = base("old.img", size, rnd);
        Path cow = cowOver("cow.img", old, rnd.nextInt(80), rnd);
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.1, rnd);
        byte[] before = RebaseFixtures.view(cow);
        long held = RebaseFixtures.heldSectors(cow);
        long expected = RebaseFixtures.differingUnheld(cow, old, neu);
        long sectors = (size + SECTOR - 1) / SECTOR;

        SafeRebase.Report r = SafeRebase.rebase(List.of(cow), neu.toString());

        assertArrayEquals(before, RebaseFixtures.view(cow), "the guest's view");
        assertEquals(held + expected, RebaseFixtures.heldSectors(cow), "bits set for exactly the differing unheld sectors");
        SafeRebase.Outcome o = r.cows().get(0);
        assertEquals(expected, o.sectorsDiffering());
        assertEquals(expected, o.sectorsCopied());
        assertEquals(sectors - held, o.sectorsCompared());
        assertEquals(old.toString(), o.oldBacking());
        assertEquals(neu.toString(), o.newBacking());
        assertFalse(o.deviceGrew());
        assertNull(o.contentId());
        CowHeader h = CowHeaderReader.read(cow);
        assertEquals(neu.toString(), h.backingFile());
        assertEquals(3, h.version());
        // the kernel's open check passes over the new file
        assertTrue(BackingFile.stat(neu).mismatch(h).isEmpty());
        // the old and the new backing file are not written
        assertEquals(Files.getLastModifiedTime(neu).toMillis() / 1000, h.mtime());
    }

    /** Headers of every version: the switch is written in the file's own layout, whose bitmap and data stay where they were. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v1-be-magic", "v2", "v3-broken", "v3-align-512"})
    void everyHeaderVersionKeepsItsLayout(String kind) throws IOException {
        Random rnd = new Random(kind.hashCode());
        int sectors = 64 * (1 + rnd.nextInt(20)); // a multiple of 8: no v1/v2 short bitmap (B5)
        Path old = base("old.img", (long) sectors * SECTOR, rnd);
        long mtime = Files.getLastModifiedTime(old).toMillis() / 1000;
        long size = Files.size(old);
        byte[] header = switch (kind) {
            case "v1" -> CowFixtures.v1Header(old.toString(), mtime, size, SECTOR, false);
            case "v1-be-magic" -> CowFixtures.v1Header(old.toString(), mtime, size, SECTOR, true);
            case "v2" -> CowFixtures.v2Header(old.toString(), mtime, size, SECTOR);
            case "v3-broken" -> CowFixtures.v3BrokenHeader(old.toString(), mtime, size, SECTOR, 4096);
            default -> CowFixtures.v3Header(old.toString(), mtime, size, SECTOR, 512);
        };
        Path cow = CowFixtures.cowFile(dir.resolve("cow.img"), header);
        RebaseFixtures.randomWrites(cow, sectors, 30, rnd);
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.15, rnd);
        byte[] before = RebaseFixtures.view(cow);
        byte[] fileBefore = Files.readAllBytes(cow);
        CowHeader h0 = CowHeaderReader.read(cow);

        SafeRebase.rebase(List.of(cow), neu.toString());

        assertArrayEquals(before, RebaseFixtures.view(cow));
        CowHeader h = CowHeaderReader.read(cow);
        assertEquals(h0.layout(), h.layout());
        assertEquals(h0.magicOrder(), h.magicOrder());
        assertEquals(neu.toString(), h.backingFile());
        assertEquals(h0.geometry(), h.geometry());
        // magic and version untouched
        assertArrayEquals(Arrays.copyOf(fileBefore, 8), Arrays.copyOf(Files.readAllBytes(cow), 8));
    }

    @Test
    void theHeaderSwitchIsOneSyncedWriteInTheFirstSector() throws IOException {
        Random rnd = new Random(31);
        Path old = base("old.img", 200 * SECTOR, rnd);
        Path cow = cowOver("cow.img", old, 10, rnd);
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("a-much-longer-name-for-the-new-base.img"), 0.2, rnd);
        RecordingWriters rec = new RecordingWriters();
        SafeRebase.rebase(List.of(cow), neu.toString(), new SafeRebase.Options(SafeRebase.Progress.NONE, rec));
        List<RecordingWriters.Op> ops = rec.ops.get(cow);
        assertTrue(ops.get(ops.size() - 1) instanceof RecordingWriters.Sync);
        RecordingWriters.Write header = (RecordingWriters.Write) ops.get(ops.size() - 2);
        assertTrue(ops.get(ops.size() - 3) instanceof RecordingWriters.Sync, "the bits are durable before the header names the new file");
        // from the first changed byte of the mtime at 8 to the path's end: a disk writes the sector whole or not at all
        assertTrue(header.position() >= 8 && header.position() < 12, "starts at " + header.position());
        assertTrue(header.position() + header.data().length <= SECTOR, "ends at " + (header.position() + header.data().length));
    }

    /** A v1 file of 60 sectors: the kernel reads 7 bitmap bytes, so sectors 56..59 always come from the backing file (B5). */
    @Test
    void aV1FileWithTheKernelsShortBitmap() throws IOException {
        Random rnd = new Random(60);
        byte[] x = new byte[60 * SECTOR];
        rnd.nextBytes(x);
        Path old = Files.write(dir.resolve("old.img"), x);
        long mtime = Files.getLastModifiedTime(old).toMillis() / 1000;
        Path cow = CowFixtures.cowFile(dir.resolve("cow.img"), CowFixtures.v1Header(old.toString(), mtime, x.length, SECTOR, false));
        RebaseFixtures.randomWrites(cow, 56, 4, rnd);
        // differing before sector 56 only: rebased as any other
        byte[] y = x.clone();
        y[10 * SECTOR] ^= 1;
        Path neu = Files.write(dir.resolve("new.img"), y);
        byte[] before = RebaseFixtures.view(cow);
        SafeRebase.rebase(List.of(cow), neu.toString());
        assertArrayEquals(before, RebaseFixtures.view(cow));
        // differing in sector 57: no bit the kernel reads can keep it
        byte[] z = y.clone();
        z[57 * SECTOR] ^= 1;
        Path third = Files.write(dir.resolve("third.img"), z);
        refused(List.of(cow), third, cow, "sector 57 differs between the backing files, and its bit lies past the v1 bitmap the kernel reads");
        // a larger backing file would make the kernel read bits it ignored so far
        Path larger = Files.write(dir.resolve("larger.img"), Arrays.copyOf(y, 80 * SECTOR));
        refused(List.of(cow), larger, cow, "bitmap leaves out the bits of its last 4 sectors (bug B5)");
    }

    @Test
    void manyCowFilesOverOneBaseReadItOnce() throws IOException {
        Random rnd = new Random(99);
        long size = 4 << 20;
        Path old = base("old.img", size, rnd);
        List<Path> cows = new ArrayList<>();
        List<byte[]> views = new ArrayList<>();
        List<Long> expected = new ArrayList<>();
        Path neu = dir.resolve("new.img");
        for (int i = 0; i < 6; i++) {
            cows.add(cowOver("cow" + i + ".img", old, 20 + rnd.nextInt(100), rnd));
        }
        RebaseFixtures.changedCopy(old, neu, 0.1, rnd);
        for (Path c : cows) {
            views.add(RebaseFixtures.view(c));
            expected.add(RebaseFixtures.differingUnheld(c, old, neu));
        }
        long[] lastProgress = {-1, -1};
        SafeRebase.Report r = SafeRebase.rebase(cows, neu.toString(), SafeRebase.Options.DEFAULT.withProgress((done, total) -> {
            assertTrue(done >= lastProgress[0] && done <= total, done + " of " + total);
            lastProgress[0] = done;
            lastProgress[1] = total;
        }));
        assertEquals(lastProgress[1], lastProgress[0], "progress reaches its total");
        assertTrue(r.bytesRead() <= Files.size(old) + Files.size(neu), "each backing file read at most once: " + r.bytesRead());
        assertEquals(6, r.cows().size());
        for (int i = 0; i < cows.size(); i++) {
            assertArrayEquals(views.get(i), RebaseFixtures.view(cows.get(i)), "cow" + i);
            assertEquals(expected.get(i), r.cows().get(i).sectorsCopied(), "cow" + i);
            assertEquals(cows.get(i), r.cows().get(i).cow());
        }
    }

    /**
     * Many COW files over a base of several of the compare's chunks: each chunk's writes run while
     * the next chunk is compared, and every file still gets exactly its differing unheld sectors.
     */
    @Test
    void manyCowFilesOverABaseOfManyChunks() throws IOException {
        Random rnd = new Random(123);
        long size = 3L * ImageCompare.CHUNK + 4321;
        Path old = base("old.img", size, rnd);
        List<Path> cows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            cows.add(cowOver("cow" + i + ".img", old, 50 + rnd.nextInt(200), rnd));
        }
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.1, rnd);
        List<byte[]> views = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        List<Long> expected = new ArrayList<>();
        for (Path c : cows) {
            views.add(RebaseFixtures.view(c));
            held.add(RebaseFixtures.heldSectors(c));
            expected.add(RebaseFixtures.differingUnheld(c, old, neu));
        }
        SafeRebase.Report r = SafeRebase.rebase(cows, neu.toString());
        for (int i = 0; i < cows.size(); i++) {
            assertArrayEquals(views.get(i), RebaseFixtures.view(cows.get(i)), "cow" + i);
            assertEquals(held.get(i) + expected.get(i), RebaseFixtures.heldSectors(cows.get(i)), "cow" + i + "'s bits");
            assertEquals(expected.get(i), r.cows().get(i).sectorsCopied(), "cow" + i);
        }
    }

    /** Zeros of the old backing file over a hole of the COW file need only their bits; over stale data they are written. */
    @ParameterizedTest(name = "stale data in the COW file: {0}")
    @ValueSource(booleans = {false, true})
    void zerosOverAHoleOfTheCowFileNeedNoWrite(boolean stale) throws IOException {
        Random rnd = new Random(77);
        byte[] x = new byte[64 * SECTOR];
        byte[] tail = new byte[32 * SECTOR];
        rnd.nextBytes(tail);
        System.arraycopy(tail, 0, x, 32 * SECTOR, tail.length);
        Path old = RebaseFixtures.writeSparse(dir.resolve("old.img"), x); // sectors 0..31 a hole
        Files.setLastModifiedTime(old, FileTime.fromMillis(CowFixtures.MTIME * 1000));
        byte[] y = x.clone();
        byte[] fresh = new byte[16 * SECTOR];
        rnd.nextBytes(fresh);
        System.arraycopy(fresh, 0, y, 0, fresh.length); // 0..15 differ (zeros in the old file)
        rnd.nextBytes(fresh);
        System.arraycopy(fresh, 0, y, 48 * SECTOR, fresh.length); // 48..63 differ (data)
        Path neu = Files.write(dir.resolve("new.img"), y);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, old.toString(), false);
        if (stale) {
            // data in the COW file without its bit (a failed write, or uml_mkcow -f over an old file): not zeros
            try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
                CowFixtures.write(ch, new byte[] {7}, CowHeaderReader.read(cow).geometry().dataOffsetOf(3));
            }
        }
        byte[] before = RebaseFixtures.view(cow);
        SafeRebase.Outcome o = SafeRebase.rebase(List.of(cow), neu.toString()).cows().get(0);
        assertArrayEquals(before, RebaseFixtures.view(cow));
        assertEquals(32, o.sectorsCopied());
        assertEquals((stale ? 32L : 16L) * SECTOR, o.bytesWritten());
    }

    @Test
    void aLargerBackingFileGrowsTheDeviceWhenTheBitmapHasRoom() throws IOException {
        Random rnd = new Random(5);
        // 1,000,000 bytes: 1954 sectors (the last one partial), bitmap 245 bytes, data at 12288 with room to spare
        Path old = base("old.img", 1_000_000, rnd);
        Path cow = cowOver("cow.img", old, 40, rnd);
        byte[] grown = Arrays.copyOf(Files.readAllBytes(old), 1_500_000);
        for (int i = 1_000_000; i < grown.length; i++) {
            grown[i] = (byte) (i * 7 + 1); // non-zero right after the old end: the old partial sector differs
        }
        Path neu = RebaseFixtures.writeSparse(dir.resolve("new.img"), grown);
        // a kernel write-back may leave bytes in the padding the bitmap grows into
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[] {(byte) 0xFF, (byte) 0xFF}, 8192 + 300);
        }
        byte[] before = RebaseFixtures.view(cow);
        CowHeader h0 = CowHeaderReader.read(cow);

        SafeRebase.Outcome o = SafeRebase.rebase(List.of(cow), neu.toString()).cows().get(0);

        CowHeader h = CowHeaderReader.read(cow);
        assertEquals(1_500_000, h.size());
        assertEquals(h0.geometry().dataOffset(), h.geometry().dataOffset());
        assertTrue(o.deviceGrew());
        assertEquals(1954L * SECTOR, o.oldDeviceBytes());
        assertEquals(2930L * SECTOR, o.newDeviceBytes());
        byte[] after = RebaseFixtures.view(cow);
        assertArrayEquals(before, Arrays.copyOf(after, before.length), "the old sectors, the partial last one included");
        // the new sectors read the new backing file (the stale padding bytes did not become bits)
        assertArrayEquals(Arrays.copyOfRange(Arrays.copyOf(grown, 2930 * SECTOR), before.length, 2930 * SECTOR),
                Arrays.copyOfRange(after, before.length, after.length));
        try (CowFile f = CowFile.open(cow)) {
            assertFalse(f.bitmap().nextSet(1954) >= 0, "no bit past the old end");
        }
    }

    // ---- refusals: one line naming the file, and not a byte changed ----

    /** Runs {@code rebase}, expecting a refusal whose message names {@code named}; every file of the test directory is unchanged. */
    void refused(List<Path> cows, Path newBacking, Path named, String says) throws IOException {
        refused(() -> SafeRebase.rebase(cows, newBacking.toString()), named, says);
    }

    void refused(Runnable action, Path named, String says) throws IOException {
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<String> sums = new ArrayList<>();
        for (Path f : files) {
            sums.add(RebaseFixtures.sha256(f) + " " + Files.getLastModifiedTime(f));
        }
        UbdException e = assertThrows(UbdException.class, action::run);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(named.toString()), "names " + named + ": " + m);
        assertTrue(m.contains(says), "says \"" + says + "\": " + m);
        for (int i = 0; i < files.size(); i++) {
            assertEquals(sums.get(i), RebaseFixtures.sha256(files.get(i)) + " " + Files.getLastModifiedTime(files.get(i)),
                    files.get(i) + " changed");
        }
    }

    Path[] setup(Random rnd) throws IOException {
        Path old = base("old.img", 300 * SECTOR, rnd);
        Path cow = cowOver("cow.img", old, 20, rnd);
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.2, rnd);
        return new Path[] {old, cow, neu};
    }

    @Test
    void refusesWhenTheOldBackingFileIsMissing() throws IOException {
        Path[] f = setup(new Random(1));
        Files.move(f[0], dir.resolve("elsewhere.img"));
        refused(List.of(f[1]), f[2], f[1], "No such file or directory");
    }

    @Test
    void refusesWhenTheOldBackingFileHasAnotherMtime() throws IOException {
        Path[] f = setup(new Random(2));
        Files.setLastModifiedTime(f[0], FileTime.fromMillis(Files.getLastModifiedTime(f[0]).toMillis() + 60_000));
        refused(List.of(f[1]), f[2], f[1], "mtime mismatch");
    }

    @Test
    void refusesWhenTheOldBackingFileHasAnotherSize() throws IOException {
        Path[] f = setup(new Random(3));
        FileTime t = Files.getLastModifiedTime(f[0]);
        Files.write(f[0], new byte[] {1}, StandardOpenOption.APPEND);
        Files.setLastModifiedTime(f[0], t);
        refused(List.of(f[1]), f[2], f[1], "Size mismatch");
    }

    @Test
    void refusesACowFileLockedByAnotherProcess() throws Exception {
        Path[] f = setup(new Random(4));
        try (ForeignLock lock = ForeignLock.take(f[1], true)) {
            assertTrue(lock.acquired);
            refused(List.of(f[1]), f[2], f[1], "locked by pid " + lock.pid());
        }
    }

    @Test
    void refusesBackingFilesSomeoneWritesUnderALock() throws Exception {
        Path[] f = setup(new Random(41));
        try (ForeignLock lock = ForeignLock.take(f[0], true)) {
            assertTrue(lock.acquired);
            refused(List.of(f[1]), f[2], f[0], "is locked for writing by pid " + lock.pid());
        }
        try (ForeignLock lock = ForeignLock.take(f[2], true)) {
            assertTrue(lock.acquired);
            refused(List.of(f[1]), f[2], f[2], "is locked for writing by pid " + lock.pid());
        }
        // a UML reading them as its backing file read-locks them: no conflict
        try (ForeignLock lock = ForeignLock.take(f[0], false)) {
            assertTrue(lock.acquired);
            byte[] before = RebaseFixtures.view(f[1]);
            SafeRebase.rebase(List.of(f[1]), f[2].toString());
            assertArrayEquals(before, RebaseFixtures.view(f[1]));
        }
    }

    @Test
    void refusesANewBackingFileThatIsACowFile() throws IOException {
        Path[] f = setup(new Random(5));
        Path other = cowOver("other.img", f[0], 3, new Random(6));
        refused(List.of(f[1]), other, other, "is a COW file itself");
    }

    @Test
    void refusesTheCowFileItselfAsItsNewBackingFile() throws IOException {
        Path[] f = setup(new Random(7));
        refused(List.of(f[1]), f[1], f[1], "is the new backing file itself");
    }

    @Test
    void refusesACowFileGivenTwice() throws IOException {
        Path[] f = setup(new Random(8));
        refused(List.of(f[1], dir.resolve(".").resolve("cow.img")), f[2], f[1], "given twice");
    }

    @Test
    void refusesASmallerBackingFile() throws IOException {
        Path[] f = setup(new Random(9));
        Path small = Files.write(dir.resolve("small.img"), Arrays.copyOf(Files.readAllBytes(f[2]), 200 * SECTOR));
        refused(List.of(f[1]), small, f[1], "would lose its last sectors");
    }

    @Test
    void refusesAGrowthThatWouldMoveTheDataArea() throws IOException {
        // 16 MiB: a 4096-byte bitmap fills 8192..12288 exactly; one more page of device needs one more byte
        Path old = dir.resolve("old.img");
        try (FileChannel ch = FileChannel.open(old, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[] {1, 2, 3}, (16 << 20) - 3);
        }
        Path cow = cowOver("cow.img", old, 5, new Random(1));
        Path big = dir.resolve("big.img");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[] {1}, (16 << 20) + 4095);
        }
        refused(List.of(cow), big, cow, "would move the data area from offset 12288 to 16384");
    }

    @Test
    void refusesWhenAnyOfManyIsRefusedAndWritesNone() throws IOException {
        Random rnd = new Random(10);
        Path[] f = setup(rnd);
        Path second = cowOver("cow2.img", f[0], 10, rnd);
        try (ForeignLock lock = ForeignLock.take(second, true)) {
            assertTrue(lock.acquired);
            refused(List.of(f[1], second), f[2], second, "locked by pid");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ontoTheSameFileByAnotherNameOnlySwitchesThePath() throws IOException {
        Path[] f = setup(new Random(12));
        Path link = dir.resolve("link.img");
        Files.createSymbolicLink(link, f[0]);
        byte[] before = RebaseFixtures.view(f[1]);
        SafeRebase.Outcome o = SafeRebase.rebase(List.of(f[1]), link.toString()).cows().get(0);
        assertEquals(0, o.sectorsCopied());
        assertEquals(link.toString(), CowHeaderReader.read(f[1]).backingFile());
        assertArrayEquals(before, RebaseFixtures.view(f[1]));
    }
}
