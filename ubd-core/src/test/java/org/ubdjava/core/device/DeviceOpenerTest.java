package org.ubdjava.core.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.core.testing.CowFixtures;

/** One test per branch of the kernel's open logic (ubd_file_size, open_ubd_file and their helpers). */
class DeviceOpenerTest {
    @TempDir
    Path dir;
    Path back;
    final List<String> log = new ArrayList<>();
    DeviceOpener opener;

    @BeforeEach
    void setUp() throws IOException {
        back = CowFixtures.referenceBacking(dir, 20);
        opener = new DeviceOpener(new HostFileTable(), log::add);
    }

    static UbdDeviceConfig cfg(int unit, String flags, Path file, Path backing) {
        return UbdDeviceConfig.of(unit, file.toString(), backing == null ? null : backing.toString(), null,
                UbdFlags.fromLetters(flags));
    }

    @Test
    void aFileAloneThatIsNotCowIsARawImage() throws IOException {
        try (DeviceFiles d = opener.open(cfg(0, "", back, null))) {
            assertFalse(d.isCow());
            assertNull(d.backing());
            assertEquals(10240, d.size());
            assertFalse(d.readOnly());
            assertTrue(d.image().writable() && d.image().locked());
        }
        assertEquals(List.of(), log);
    }

    @Test
    void aFileAloneWithABrokenCowHeaderIsARawImageAndTheLogSaysWhy() throws IOException {
        // COW magic, version 3, then 200 bytes: the kernel uses it as a raw disk, saying why
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(208);
        b.putInt(0x4F4F4F4D).putInt(3).put(32, (byte) '/'); // a path at 32: the correct v3 layout
        Path bad = Files.write(dir.resolve("bad.cow"), b.array());
        try (DeviceFiles d = opener.open(cfg(0, "r", bad, null))) {
            assertFalse(d.isCow());
            assertEquals(512, d.size());
        }
        assertEquals(List.of(bad + ": read_cow_header - failed to read V3 header (208 of 4128 bytes): used as a raw image"), log);
    }

    @Test
    void aRawImageWithABackingFileIsAnError() throws IOException {
        Path raw = Files.write(dir.resolve("raw.img"), new byte[4096]);
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", raw, back)));
        assertEquals(raw + ": not a COW file (no COW magic); with a backing file it must be a COW file (alone it is used as a raw image)",
                e.getMessage());
        assertEquals(List.of("Failed to read COW header from COW file \"" + raw + "\", errno = 22",
                "ubda: Can't open \"" + raw + "\": errno = 22"), log);
    }

    @Test
    void aMissingCowFileIsCreatedWhenABackingFileIsGiven() throws IOException {
        Path cow = dir.resolve("cow.img");
        try (DeviceFiles d = opener.open(cfg(1, "", cow, back))) {
            assertTrue(d.isCow());
            assertEquals(10240, d.size());
            assertEquals(back.toRealPath().toString(), d.header().backingFile());
            assertFalse(d.backing().writable());
            assertTrue(d.backing().locked());
        }
        assertEquals(List.of("Creating \"" + cow + "\" as COW file for \"" + back + "\""), log);
        assertEquals(22528, Files.size(cow));
    }

    @Test
    void aMissingFileAloneHasNoSize() {
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(2, "", dir.resolve("none.img"), null)));
        assertEquals(dir.resolve("none.img") + ": No such file or directory", e.getMessage());
        assertEquals(List.of("Failed to initialize ubd device 2 :Couldn't determine size of device's file"), log);
    }

    @Test
    void aCowFileAloneTakesItsBackingFileFromTheHeader() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        CowFixtures.writeSectors(cow, 2, new byte[1024]);
        try (DeviceFiles d = opener.open(cfg(0, "", cow, null))) {
            assertTrue(d.isCow());
            assertEquals(back.toRealPath(), d.backing().path());
            assertEquals(2, d.bitmap().cardinality());
            assertTrue(d.bitmap().get(2) && d.bitmap().get(3));
        }
    }

    @Test
    void dataFlagNeverParsesAHeaderAndUsesTheFilesOwnSize() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        try (DeviceFiles d = opener.open(cfg(0, "d", cow, null))) {
            assertFalse(d.isCow());
            assertEquals(22528, d.size(), "the kernel would take the backing file's 10240 here (quirk fixed)");
        }
    }

    @Test
    void sizeIsRoundedUpToWholeSectors() throws IOException {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        try (DeviceFiles d = opener.open(cfg(0, "", odd, null))) {
            assertEquals(1024, d.size());
        }
    }

    @Test
    void switchesToAMovedBackingFileThatMatches() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path moved = Files.createDirectories(dir.resolve("moved")).resolve("back.img");
        Files.copy(back, moved, StandardCopyOption.COPY_ATTRIBUTES);
        byte[] before = Files.readAllBytes(cow);
        try (DeviceFiles d = opener.open(cfg(0, "", cow, moved))) {
            assertEquals(moved, d.backing().path());
        }
        assertEquals(List.of("Backing file mismatch - \"" + moved + "\" requested, \"" + back.toRealPath()
                + "\" specified in COW header of \"" + cow + "\"", "Switching backing file to '" + moved + "'"), log);
        assertEquals(moved.toRealPath().toString(), CowHeaderReader.read(cow).backingFile());
        byte[] after = Files.readAllBytes(cow);
        assertArrayEquals(Arrays.copyOf(before, 32), Arrays.copyOf(after, 32), "fields before the path unchanged");
    }

    @Test
    void switchingAV1FileKeepsItV1AndItsBitmap() throws IOException {
        Path b16 = CowFixtures.referenceBacking(Files.createDirectories(dir.resolve("v1")), 16);
        Path cow = CowFixtures.cowFile(dir.resolve("v1.img"), CowFixtures.v1Header(b16.toRealPath().toString(), CowFixtures.MTIME, 8192, 512, false));
        CowFixtures.writeSectors(cow, 0, new byte[512 * 9]);
        Path moved = dir.resolve("moved16.img");
        Files.copy(b16, moved, StandardCopyOption.COPY_ATTRIBUTES);
        byte[] before = Files.readAllBytes(cow);
        opener.open(cfg(0, "", cow, moved)).close();
        byte[] after = Files.readAllBytes(cow);
        assertEquals(1, CowHeaderReader.read(cow).version(), "the kernel would rewrite it as v3 (B6)");
        assertArrayEquals(Arrays.copyOfRange(before, 264, before.length), Arrays.copyOfRange(after, 264, after.length));
        try (DeviceFiles d = opener.open(cfg(0, "", cow, null))) {
            assertEquals(9, d.bitmap().cardinality());
        }
    }

    @Test
    void aNewlineInAHeaderPathCannotForgeAKernelMessage() throws IOException {
        Path forged = Files.copy(back, dir.resolve("b.img\nubda: Can't open \"x\": errno = 13"));
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, forged.toString(), false);
        Path other = Files.write(dir.resolve("other.img"), new byte[10240]);
        opener.open(cfg(0, "", cow, other)).close();
        assertFalse(log.isEmpty());
        for (String line : log) {
            assertFalse(line.contains("\n"), line);
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("b.img\\nubda: Can't open")), log.toString());
    }

    @Test
    void aRequestedBackingFileThatDoesNotMatchFallsBackToTheHeader() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path other = Files.write(dir.resolve("other.img"), new byte[10240]);
        try (DeviceFiles d = opener.open(cfg(0, "", cow, other))) {
            assertEquals(back.toRealPath(), d.backing().path());
        }
        assertEquals(2, log.size(), log.toString());
        assertEquals("Backing file mismatch - \"" + other + "\" requested, \"" + back.toRealPath()
                + "\" specified in COW header of \"" + cow + "\"", log.get(0));
        assertTrue(log.get(1).matches("mtime mismatch \\(1614834367 vs \\d+\\) of COW header vs backing file"), log.get(1));
        assertEquals(back.toRealPath().toString(), CowHeaderReader.read(cow).backingFile());
    }

    @Test
    void theSameFileByAnotherNameIsNoSwitch() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path link = Files.createSymbolicLink(dir.resolve("link.img"), back);
        opener.open(cfg(0, "", cow, link)).close();
        assertEquals(List.of(), log);
    }

    @Test
    void aChangedBackingFileFailsWithTheKernelsMessage() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Files.setLastModifiedTime(back, FileTime.fromMillis(1600000000L * 1000));
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", cow, null)));
        assertEquals(cow + ": backing file \"" + back.toRealPath() + "\" has mtime 1600000000, the COW header expects 1614834367"
                + " (changed, or copied without cp -p?); if its content is unchanged: touch -d @1614834367 \"" + back.toRealPath()
                + "\" (or touch -r the original), or ubd rebase " + cow + " onto a copy with that mtime", e.getMessage());
        assertEquals(List.of("mtime mismatch (1614834367 vs 1600000000) of COW header vs backing file",
                "ubda: Can't open \"" + cow + "\": errno = 22"), log);
        assertEquals(22, e.errno());
    }

    @Test
    void readOnlyFlagOpensReadOnlyWithAReadLock() throws Exception {
        try (DeviceFiles d = opener.open(cfg(0, "r", back, null))) {
            assertTrue(d.readOnly());
            assertFalse(d.image().writable());
            try (ForeignLock other = ForeignLock.take(back, false)) {
                assertTrue(other.acquired, "readers share");
            }
            try (ForeignLock other = ForeignLock.take(back, true)) {
                assertFalse(other.acquired, "a writer is refused");
            }
        }
    }

    @Test
    void readOnlyDeviceDoesNotCreateACowFile() {
        Path cow = dir.resolve("cow.img");
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "r", cow, back)));
        assertEquals(cow + ": No such file or directory (a read-only device creates no COW file)", e.getMessage());
        assertEquals(List.of("ubda: Can't open \"" + cow + "\": errno = 2"), log);
        assertEquals(2, e.errno());
        assertFalse(Files.exists(cow), "the kernel leaves an empty file here");
    }

    @Test
    void syncFlagOpensWithOSync() throws IOException {
        try (DeviceFiles d = opener.open(cfg(0, "s", back, null))) {
            int fd = org.ubdjava.core.nativeio.NativeFiles.descriptor(d.image().channel());
            String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
            long flags = Long.parseLong(fdinfo.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().split("\\s+")[1], 8);
            assertEquals(04010000, flags & 04010000, "O_SYNC in " + fdinfo);
        }
    }

    @Test
    void aFileLockedByAnotherProcessIsRefusedWithTheKernelsMessages() throws Exception {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        try (ForeignLock other = ForeignLock.take(cow, false)) {
            assertTrue(other.acquired);
            DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", cow, null)));
            assertEquals(cow + ": locked by pid " + other.pid() + " (a running UML or ubd serve?)", e.getMessage());
            assertEquals(List.of("F_SETLK failed, file already locked by pid " + other.pid(),
                    "Failed to lock '" + cow + "', err = 11", "ubda: Can't open \"" + cow + "\": errno = 11"), log);
        }
    }

    @Test
    void ourLocksStopOtherProcesses() throws Exception {
        Path cow = dir.resolve("cow.img");
        try (DeviceFiles d = opener.open(cfg(0, "", cow, back))) {
            try (ForeignLock onCow = ForeignLock.take(cow, false)) {
                assertFalse(onCow.acquired, "the COW file is write-locked");
            }
            try (ForeignLock onBacking = ForeignLock.take(back, true)) {
                assertFalse(onBacking.acquired, "the backing file is read-locked");
            }
            try (ForeignLock reader = ForeignLock.take(back, false)) {
                assertTrue(reader.acquired, "another UML may share the backing file");
            }
        }
        try (ForeignLock after = ForeignLock.take(cow, true)) {
            assertTrue(after.acquired, "closing the device released its lock");
        }
    }

    @Test
    void twoDevicesInOneProcessCannotShareACowFile() throws IOException {
        Path cow = dir.resolve("cow.img");
        try (DeviceFiles first = opener.open(cfg(0, "", cow, back))) {
            log.clear();
            DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(1, "", cow, null)));
            assertEquals(cow + ": in use by another device of this process", e.getMessage());
            assertEquals("F_SETLK failed, file already locked by pid " + ProcessHandle.current().pid(), log.get(0));
            assertEquals("ubdb: Can't open \"" + cow + "\": errno = 11", log.get(2));
            try (ForeignLock other = ForeignLock.take(cow, false)) {
                assertFalse(other.acquired, "the refused open did not drop the first device's lock");
            } catch (InterruptedException ie) {
                throw new AssertionError(ie);
            }
        }
    }

    @Test
    void manyDevicesShareOneReadLockedBackingFile() throws Exception {
        List<DeviceFiles> devices = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            devices.add(opener.open(cfg(i, "", dir.resolve("cow" + i + ".img"), back)));
        }
        // one descriptor for all: closing some devices must not drop the lock the others rely on
        for (int i = 0; i < 15; i++) {
            devices.get(i).close();
        }
        try (ForeignLock writer = ForeignLock.take(back, true)) {
            assertFalse(writer.acquired, "still read-locked by the last device");
        }
        devices.get(15).close();
        try (ForeignLock writer = ForeignLock.take(back, true)) {
            assertTrue(writer.acquired);
        }
    }

    @Test
    void sharedFlagTakesNoLock() throws Exception {
        try (DeviceFiles d = opener.open(cfg(0, "c", back, null))) {
            assertFalse(d.image().locked());
            try (ForeignLock other = ForeignLock.take(back, true)) {
                assertTrue(other.acquired);
            }
        }
        assertEquals(List.of("Not locking \"" + back + "\" on the host"), log);
    }

    @Test
    void aCowFileWithOtherSectorSizesIsRefused() throws IOException {
        Path cow = CowFixtures.cowFile(dir.resolve("ss.img"), CowFixtures.v3Header(back.toRealPath().toString(), CowFixtures.MTIME, 10240, 1024, 4096));
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", cow, null)));
        assertEquals(22, e.errno());
        assertTrue(log.get(0).contains("1024-byte sectors"), log.toString());
    }

    @Test
    void aDirectoryIsNoBackingFile() throws IOException {
        Path d = Files.createDirectory(dir.resolve("dir"));
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", dir.resolve("cow.img"), d)));
        assertFalse(Files.exists(dir.resolve("cow.img")));
        assertTrue(log.get(0).contains("is a directory"), log.toString());
        assertEquals("ubda: Can't open \"" + dir.resolve("cow.img") + "\": errno = 22", log.get(1));
        assertEquals("backing file \"" + d + "\" is a directory; only regular files can back a COW file", e.getMessage());
    }

    @Test
    void anOpenerThatNeverCreatesRefusesAMissingCowFileAndLeavesNothing() {
        Path typo = dir.resolve("typo.cow");
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.neverCreating().open(cfg(0, "", typo, back)));
        assertEquals(typo + ": No such file or directory; this command does not create COW files (make one with: ubd mkcow "
                + typo + " " + back + ")", e.getMessage());
        assertEquals(2, e.errno());
        assertEquals(List.of("ubda: Can't open \"" + typo + "\": errno = 2"), log);
        assertFalse(Files.exists(typo));
    }

    @Test
    void aCowFileNamingItselfIsRefusedInOneLine() throws IOException {
        // the header records the file's own size and mtime: only its identity tells it from a backing file
        Path self = dir.resolve("self.cow");
        Path link = Files.createSymbolicLink(dir.resolve("link.cow"), self);
        for (Path named : List.of(self, link)) {
            CowFixtures.cowFile(self, CowFixtures.v3Header(named.toString(), CowFixtures.MTIME, 1 << 20, 512, 4096));
            try (var ch = java.nio.channels.FileChannel.open(self, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(1 << 20);
            }
            Files.setLastModifiedTime(self, FileTime.fromMillis(CowFixtures.MTIME * 1000));
            for (String flags : List.of("", "r")) {
                log.clear();
                DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, flags, self, null)));
                assertEquals(self + ": the header names the COW file itself as its backing file", e.getMessage());
                assertEquals(List.of("ubda: Can't open \"" + self + "\": errno = 22"), log);
            }
        }
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", self, link)));
        assertEquals(self + ": is its own backing file (" + link + ")", e.getMessage());
    }

    @Test
    void aFifoIsRefusedBeforeAnyOpen() {
        Path fifo = org.ubdjava.testsupport.SpecialFiles.fifo(dir.resolve("fifo"));
        try {
            for (Path backing : java.util.Arrays.asList(null, back)) {
                DeviceOpenException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                        () -> assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", fifo, backing))));
                assertEquals(fifo + ": is a FIFO; a disk image or COW file must be a regular file", e.getMessage());
            }
            assertEquals(List.of(), log);
        } finally {
            org.ubdjava.testsupport.SpecialFiles.unblock(fifo);
        }
    }

    @Test
    void aMissingCowFileIsNotCreatedOverACowFile() throws IOException {
        Path inner = dir.resolve("inner.cow");
        CowCreator.create(inner, back.toString(), false);
        byte[] before = Files.readAllBytes(inner);
        Path cow = dir.resolve("new.cow");
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", cow, inner)));
        assertEquals("backing file \"" + inner.toRealPath() + "\" is a COW file itself; a backing file must be a plain image"
                + " (merge it first: ubd moo)", e.getMessage());
        assertFalse(Files.exists(cow));
        assertArrayEquals(before, Files.readAllBytes(inner));
    }

    @Test
    void aMissingCowFileIsNotCreatedOverAnEmptyBackingFile() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.img"));
        Path cow = dir.resolve("new.cow");
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, "", cow, empty)));
        assertEquals("backing file \"" + empty.toRealPath() + "\" is empty (0 bytes); a COW file over it would be a 0-byte disk",
                e.getMessage());
        assertFalse(Files.exists(cow));
    }

    @Test
    void aCowFileWhoseHeaderNamesACowFileIsRefused() throws IOException {
        // the kernel reads a backing file as a plain image: the inner COW file's header would be the guest's disk
        Path inner = dir.resolve("inner.cow");
        CowCreator.create(inner, back.toString(), false);
        Path outer = dir.resolve("outer.cow");
        CowFixtures.cowFile(outer, CowFixtures.v3Header(inner.toString(), Files.getLastModifiedTime(inner).toMillis() / 1000,
                Files.size(inner), 512, 4096));
        byte[] before = Files.readAllBytes(inner);
        for (String flags : List.of("", "r")) {
            DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(0, flags, outer, null)));
            assertEquals(outer + ": backing file \"" + inner + "\" is a COW file itself; a backing file must be a plain image"
                    + " (merge it first: ubd moo)", e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(inner));
    }
}
