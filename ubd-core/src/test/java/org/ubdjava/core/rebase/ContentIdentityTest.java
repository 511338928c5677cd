package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.ContentId;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.DigestAlgorithm;
import org.ubdjava.core.format.HeaderV3;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.testing.CowFixtures;

class ContentIdentityTest {

    @TempDir
    Path dir;
    Path home;
    Path back;

    @BeforeEach
    void backing() throws IOException {
        home = Files.createDirectory(dir.resolve("home"));
        back = CowFixtures.randomBacking(home.resolve("base.img"), 3_000_000, new Random(3));
    }

    Path cowWithId(String name) throws IOException {
        Path cow = dir.resolve(name);
        long[] progress = {0};
        CowCreator.create(cow, back.toString(), false, Preallocation.OFF, DigestAlgorithm.SHA_256, p -> progress[0] = p);
        assertEquals(Files.size(back), progress[0], "progress over the whole backing file");
        RebaseFixtures.randomWrites(cow, (Files.size(back) + SECTOR - 1) / SECTOR, 20, new Random(name.hashCode()));
        return cow;
    }

    static String sha256Hex(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void creationKeepsTheBackingFilesDigestWhereNoReaderLooks() throws Exception {
        Path with = dir.resolve("with.cow");
        Path without = dir.resolve("without.cow");
        CowCreator.create(with, back.toString(), false, Preallocation.OFF, DigestAlgorithm.SHA_256, p -> { });
        CowCreator.create(without, back.toString(), false);
        ContentIdState s = ContentIdentity.read(with);
        assertEquals(ContentIdState.Kind.VALID, s.kind());
        assertEquals("SHA-256:" + sha256Hex(back), s.id().text());
        assertEquals(Files.size(back), s.id().size());
        assertEquals(ContentIdState.Kind.NONE, ContentIdentity.read(without).kind());
        byte[] a = Files.readAllBytes(with);
        byte[] b = Files.readAllBytes(without);
        // the same file but for 100 bytes at 4136, after every header layout and before the bitmap at 8192
        assertEquals(b.length, a.length);
        assertArrayEquals(Arrays.copyOf(b, 4136), Arrays.copyOf(a, 4136));
        assertArrayEquals(Arrays.copyOfRange(b, 4236, b.length), Arrays.copyOfRange(a, 4236, a.length));
        assertEquals("UBDJ-CID", new String(a, 4136, 8, StandardCharsets.US_ASCII));
        assertEquals(CowHeaderReader.read(without), CowHeaderReader.read(with));
    }

    @Test
    void addThenVerify() throws Exception {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        ContentId id = ContentIdentity.add(cow, p -> { });
        assertEquals("SHA-256:" + sha256Hex(back), id.text());
        assertEquals(id, ContentIdentity.read(cow).id());
        ContentIdentity.Verification v = ContentIdentity.verify(cow, p -> { });
        assertTrue(v.matches(), v.problem());
        // a backing file changed under its old mtime: the header's check passes, the content id's does not
        FileTime t = Files.getLastModifiedTime(back);
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[] {(byte) 0x5A}, 123_457);
        }
        Files.setLastModifiedTime(back, t);
        v = ContentIdentity.verify(cow, p -> { });
        assertFalse(v.matches());
        assertTrue(v.problem().contains(cow.toString()) && v.problem().contains("SHA-256 differs"), v.problem());
    }

    @Test
    void addIsRefusedWhenTheBackingFileIsNotTheOneTheHeaderRecords() throws Exception {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Files.setLastModifiedTime(back, FileTime.fromMillis(Files.getLastModifiedTime(back).toMillis() + 10_000));
        byte[] before = Files.readAllBytes(cow);
        UbdException e = assertThrows(UbdException.class, () -> ContentIdentity.add(cow, p -> { }));
        assertTrue(e.getMessage().startsWith(cow + ": mtime mismatch"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(cow));
    }

    @Test
    void addIsRefusedForAV2Header() throws IOException {
        long mtime = Files.getLastModifiedTime(back).toMillis() / 1000;
        Path cow = CowFixtures.cowFile(dir.resolve("v2.cow"), CowFixtures.v2Header(back.toString(), mtime, Files.size(back), SECTOR));
        assertEquals(ContentIdState.Kind.NO_ROOM, ContentIdentity.read(cow).kind());
        UbdException e = assertThrows(UbdException.class, () -> ContentIdentity.add(cow, p -> { }));
        assertTrue(e.getMessage().contains("v3 only"), e.getMessage());
    }

    @Test
    void findsACopyThatLostItsMtime() throws Exception {
        Path cow = cowWithId("cow.img");
        byte[] view = RebaseFixtures.view(cow);
        Path moved = Files.createDirectory(dir.resolve("moved"));
        Files.copy(back, moved.resolve("base.img")); // no -p: a new mtime
        Files.setLastModifiedTime(moved.resolve("base.img"), FileTime.fromMillis(Files.getLastModifiedTime(back).toMillis() + 86_400_000));
        Files.delete(back);

        ContentIdentity.Found f = ContentIdentity.find(cow, List.of(moved), p -> { });

        assertTrue(f.headerChanged());
        CowHeader h = CowHeaderReader.read(cow);
        assertEquals(moved.resolve("base.img").toString(), h.backingFile());
        assertEquals(Files.getLastModifiedTime(moved.resolve("base.img")).toMillis() / 1000, h.mtime());
        BackingFile.verified(h, moved.resolve("base.img")); // the kernel's check passes
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind(), "the id moves with the mtime");
        assertArrayEquals(view, RebaseFixtures.view(cow));
        // found again: nothing to do
        assertFalse(ContentIdentity.find(cow, List.of(moved), p -> { }).headerChanged());
    }

    @Test
    void refusesACandidateWithOneByteChanged() throws Exception {
        Path cow = cowWithId("cow.img");
        Path moved = Files.createDirectory(dir.resolve("moved"));
        byte[] b = Files.readAllBytes(back);
        b[1_234_567] ^= 1;
        Path changed = RebaseFixtures.writeSparse(moved.resolve("base.img"), b);
        Files.write(moved.resolve("other-size.img"), new byte[4096]);
        Files.delete(back);
        byte[] before = Files.readAllBytes(cow);
        UbdException e = assertThrows(UbdException.class, () -> ContentIdentity.find(cow, List.of(moved), p -> { }));
        String m = e.getMessage();
        assertFalse(m.contains("\n"));
        assertTrue(m.startsWith(cow + ": ") && m.contains(changed.toString()) && m.contains("not the content"), m);
        assertArrayEquals(before, Files.readAllBytes(cow));
    }

    @Test
    void picksTheRightFileAmongSameSizedOnes() throws Exception {
        Path cow = cowWithId("cow.img");
        Path pool = Files.createDirectory(dir.resolve("pool"));
        byte[] b = Files.readAllBytes(back);
        byte[] c = b.clone();
        c[0] ^= 1;
        Files.write(pool.resolve("a-changed.img"), c);
        Files.write(pool.resolve("z-renamed.img"), b);
        ContentIdentity.Found f = ContentIdentity.find(cow, List.of(pool), p -> { });
        assertEquals(pool.resolve("z-renamed.img"), f.backing());
        assertEquals(List.of(pool.resolve("a-changed.img")), f.rejected().stream().map(ContentIdentity.Rejected::file).toList());
    }

    @Test
    void findNeedsAValidId() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        UbdException e = assertThrows(UbdException.class, () -> ContentIdentity.find(cow, List.of(home), p -> { }));
        assertTrue(e.getMessage().contains("has no content id"), e.getMessage());
    }

    @Test
    void aHeaderRewriteForAnotherBackingFileLeavesAStaleId() throws IOException {
        Path cow = cowWithId("cow.img");
        // what uml_mkcow -f does over an existing file: a new 4128-byte header, the rest kept
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, HeaderV3.encode("/elsewhere/other.img", 1_700_000_000L, Files.size(back), 512, 4096), 0);
        }
        ContentIdState s = ContentIdentity.read(cow);
        assertEquals(ContentIdState.Kind.STALE, s.kind());
        assertTrue(s.problem().contains("mtime"), s.problem());
    }

    @Test
    void theKernelsSwitchKeepsTheIdValid() throws IOException {
        Path cow = cowWithId("cow.img");
        CowHeader h = CowHeaderReader.read(cow);
        // the kernel's switch writes a whole v3 header (4128 bytes) with the same size and mtime
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, HeaderV3.encode("/some/link/to/base.img", h.mtime(), h.size(), 512, 4096), 0);
        }
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind());
    }

    @Test
    void aDamagedRecordIsToldApart() throws IOException {
        Path cow = cowWithId("cow.img");
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[] {(byte) 0xEE}, 4136 + 40);
        }
        ContentIdState s = ContentIdentity.read(cow);
        assertEquals(ContentIdState.Kind.DAMAGED, s.kind());
        assertTrue(s.problem().contains("checksum"), s.problem());
        // the place is ours though the record is damaged: renewing it is allowed
        ContentIdentity.add(cow, p -> { });
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind());
    }

    @Test
    void addWillNotOverwriteAnotherProgramsBytes() throws IOException {
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, "someone else's".getBytes(StandardCharsets.US_ASCII), 4150);
        }
        byte[] before = Files.readAllBytes(cow);
        UbdException e = assertThrows(UbdException.class, () -> ContentIdentity.add(cow, p -> { }));
        assertTrue(e.getMessage().startsWith(cow + ": bytes 4136 to 4235 hold data of another program"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(cow));
    }

    @Test
    void aSafeRebaseRenewsTheId() throws Exception {
        Path cow = cowWithId("cow.img");
        byte[] view = RebaseFixtures.view(cow);
        Path neu = RebaseFixtures.changedCopy(back, dir.resolve("new.img"), 0.1, new Random(4));
        SafeRebase.Outcome o = SafeRebase.rebase(List.of(cow), neu.toString()).cows().get(0);
        ContentIdState s = ContentIdentity.read(cow);
        assertEquals(ContentIdState.Kind.VALID, s.kind());
        assertEquals("SHA-256:" + sha256Hex(neu), s.id().text());
        assertEquals(s.id(), o.contentId());
        assertArrayEquals(view, RebaseFixtures.view(cow));
        assertTrue(ContentIdentity.verify(cow, p -> { }).matches());
    }
}
