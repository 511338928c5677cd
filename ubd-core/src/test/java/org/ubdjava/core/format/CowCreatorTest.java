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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.testing.CowFixtures;

class CowCreatorTest {
    @TempDir
    Path dir;

    private static byte[] read(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    private void assertNoLeftovers(String... expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            String[] names = s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
            String[] want = expected.clone();
            Arrays.sort(want);
            assertArrayEquals(want, names, "files in " + dir);
        }
    }

    @Test
    void createsTheKernelsLayout() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowHeader h = CowCreator.create(cow, back.toString(), false);
        byte[] bytes = read(cow);
        assertEquals(22528, bytes.length);
        assertArrayEquals(CowFixtures.v3Header(back.toRealPath().toString(), CowFixtures.MTIME, 10240, 512, 4096),
                Arrays.copyOf(bytes, 4128));
        for (int i = 4128; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        assertEquals(3, h.version());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(cow)));
        try (var ch = java.nio.channels.FileChannel.open(cow)) {
            assertTrue(NativeFiles.allocatedBytes(ch) <= 16384, "sparse: only the header and the last block");
        }
        assertNoLeftovers("back.img", "cow.img");
    }

    @Test
    void anEmptyBackingFileIsRefusedAndNothingIsMade() throws IOException {
        // a 0-byte device: every write to it fails, and the kernel cannot allocate its bitmap
        Path back = Files.createFile(dir.resolve("empty.img"));
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("cow.img"), back.toString(), false));
        assertEquals("backing file \"" + back.toRealPath() + "\" is empty (0 bytes); a COW file over it would be a 0-byte disk",
                e.getMessage());
        assertNoLeftovers("empty.img");
    }

    @Test
    void aCowFileIsNoBackingFileWhateverItsHeaderSays() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path valid = dir.resolve("valid.cow");
        CowCreator.create(valid, back.toString(), false);
        // sector size and alignment 0: no reader accepts the header, but the magic says what the file is
        Path corrupt = Files.write(dir.resolve("corrupt.cow"), CowFixtures.v3Header(back.toString(), CowFixtures.MTIME, 10240, 0, 0));
        Path v1 = CowFixtures.cowFile(dir.resolve("v1.cow"), CowFixtures.v1Header(back.toString(), CowFixtures.MTIME, 10240, 512, false));
        for (Path inner : List.of(valid, corrupt, v1)) {
            byte[] before = read(inner);
            UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("new.cow"), inner.toString(), false));
            assertEquals("backing file \"" + inner.toRealPath() + "\" is a COW file itself; a backing file must be a plain image"
                    + " (merge it first: ubd moo)", e.getMessage());
            assertArrayEquals(before, read(inner));
        }
        assertNoLeftovers("back.img", "valid.cow", "corrupt.cow", "v1.cow");
    }

    @Test
    void forceRefusesASymlinkLoopAndLeavesIt() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path loop = Files.createSymbolicLink(dir.resolve("loop"), dir.resolve("loop"));
        for (boolean replace : new boolean[] {false, true}) {
            UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(loop, back.toString(), replace));
            assertEquals(loop + ": Too many levels of symbolic links", e.getMessage());
            assertTrue(Files.isSymbolicLink(loop));
            assertEquals(loop, Files.readSymbolicLink(loop));
        }
        assertNoLeftovers("back.img", "loop");
    }

    @Test
    void tenGibSparseBacking() throws IOException {
        Path back = dir.resolve("big.img");
        try (RandomAccessFile f = new RandomAccessFile(back.toFile(), "rw")) {
            f.setLength(10L << 30);
        }
        CowCreator.create(dir.resolve("cow.img"), back.toString(), false);
        assertEquals(2629632L + (10L << 30), Files.size(dir.resolve("cow.img")));
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("cow.img"))) {
            assertTrue(NativeFiles.allocatedBytes(ch) < 1 << 20);
        }
    }

    @Test
    void storesThePhysicalDirectoryAndKeepsAFileSymlink() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real/sub"));
        CowFixtures.referenceBacking(real, 2);
        Files.createSymbolicLink(dir.resolve("linkdir"), real);
        Files.createSymbolicLink(dir.resolve("linkfile.img"), real.resolve("back.img"));
        String base = dir.toRealPath().toString();
        assertEquals(base + "/real/sub/back.img",
                CowCreator.create(dir.resolve("a.img"), dir + "/real/sub/../sub/back.img", false).backingFile());
        assertEquals(base + "/real/sub/back.img",
                CowCreator.create(dir.resolve("b.img"), dir + "/linkdir/back.img", false).backingFile());
        assertEquals(base + "/linkfile.img",
                CowCreator.create(dir.resolve("c.img"), dir + "/linkfile.img", false).backingFile());
    }

    @Test
    void existingFileIsRefusedWithoutForce() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] before = read(cow);
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(cow, back.toString(), false));
        assertEquals(cow + ": File exists (use -f to replace a COW file)", e.getMessage());
        assertArrayEquals(before, read(cow));
        assertNoLeftovers("back.img", "cow.img");
    }

    @Test
    void forceGivesACleanCowFile() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 0x77);
        CowFixtures.writeSectors(cow, 3, sector);
        // a larger old file: uml_mkcow -f would keep its length, bitmap and data
        try (RandomAccessFile f = new RandomAccessFile(cow.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        CowCreator.create(cow, back.toString(), true);
        assertEquals(22528, Files.size(cow));
        byte[] bytes = read(cow);
        for (int i = 4128; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        assertNoLeftovers("back.img", "cow.img");
    }

    @Test
    void forceRefusesToReplaceSomethingThatIsNotACowFile() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path precious = Files.write(dir.resolve("disk.img"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(precious, back.toString(), true));
        assertTrue(e.getMessage().startsWith(precious + ": exists and is not a usable COW file"), e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, read(precious));
    }

    @Test
    void missingBackingLeavesNothing() throws IOException {
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("cow.img"), dir + "/missing.img", false));
        assertEquals("backing file \"" + dir.toRealPath() + "/missing.img\": No such file or directory", e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void missingDirectoryLeavesNothing() throws IOException {
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("cow.img"), "/nonexist/dir/x.img", false));
        assertEquals("absolutize : Can't cd to '/nonexist/dir/x.img' - No such file or directory", e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void tooLongNameIsRefusedWithTheKernelsMessage() {
        String name = "/" + "a".repeat(4096);
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("cow.img"), name, false));
        assertEquals("Backing file name \"" + name + "\" is too long - names are limited to 4095 characters", e.getMessage());
    }

    @Test
    void directoriesAndTheCowItselfAreNotBackingFiles() throws IOException {
        Files.createDirectory(dir.resolve("d"));
        assertTrue(assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("c.img"), dir + "/d", false))
                .getMessage().endsWith("is a directory; only regular files can back a COW file"));
        Path back = CowFixtures.referenceBacking(dir, 20);
        byte[] before = read(back);
        assertTrue(assertThrows(UbdException.class, () -> CowCreator.create(back, back.toString(), true))
                .getMessage().contains("is the backing file itself"));
        assertArrayEquals(before, read(back));
        assertNoLeftovers("back.img", "d");
    }

    @Test
    void mtimeBeyond32BitsIsRefused() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 2);
        Files.setLastModifiedTime(back, FileTime.fromMillis(-315619200L * 1000));
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(dir.resolve("c.img"), back.toString(), false));
        assertTrue(e.getMessage().contains("has mtime -315619200, which a COW header cannot hold"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("c.img")));
    }
}
