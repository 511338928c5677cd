package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.rebase.RebaseFixtures;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.core.type.TypeReference;

/**
 * The backing identity from the command line: mkcow --content-id and rebase --add-content-id make
 * it, info shows it, check finds a stale or damaged one and, with --verify-content, a backing file
 * whose content is not the one recorded; rebase --find follows a copy that lost its mtime and
 * refuses one with a byte changed.
 */
class ContentIdCommandsTest {
    /** Where the record lies in a v3 file: after the largest header layout (ContentIdLayout, spelled out). */
    static final int RECORD = 4136;

    @TempDir
    Path dir;
    Path back;
    String digest;

    @BeforeEach
    void setUp() throws Exception {
        back = CowFixtures.randomBacking(dir.resolve("base.img"), (2 << 20) + 512, new Random(26));
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(back)));
    }

    Map<String, Object> contentId(Path cow) throws IOException {
        CliRun r = CliRun.of(new InfoCommand(), "--json", cow.toString());
        assertEquals(0, r.exit(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> id = (Map<String, Object>) Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { })
                .get("content_id");
        return id;
    }

    @Test
    void mkcowKeepsTheBackingFilesDigestAndInfoShowsIt() throws IOException {
        Path cow = dir.resolve("vm.cow");
        CliRun r = CliRun.of(new MkcowCommand(), "--content-id", cow.toString(), back.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> id = contentId(cow);
        assertEquals("SHA-256", id.get("algorithm"));
        assertEquals(digest, id.get("digest"));
        assertEquals("valid", id.get("state"));
        assertEquals(null, id.get("problem"));
        CliRun text = CliRun.of(new InfoCommand(), cow.toString());
        assertTrue(text.out().contains("\ncontent_id:        valid SHA-256:" + digest + "\n"), text.out());
        assertEquals(0, CliRun.of(new CheckCommand(), "--verify-content", cow.toString()).exit());
        // without it: none, and check is content (the id is opt-in) unless asked to verify
        Path plain = dir.resolve("plain.cow");
        assertEquals(0, CliRun.of(new MkcowCommand(), plain.toString(), back.toString()).exit());
        assertEquals(Map.of("state", "none"), withoutNulls(contentId(plain)));
        assertEquals(0, CliRun.of(new CheckCommand(), plain.toString()).exit());
        CliRun v = CliRun.of(new CheckCommand(), "--verify-content", plain.toString());
        assertEquals(1, v.exit());
        assertEquals(plain + ": has no content id to verify (ubd rebase --add-content-id adds one while the backing file is right)\n", v.err());
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(m);
        out.values().removeIf(java.util.Objects::isNull);
        return out;
    }

    @Test
    void addContentIdOnlyWhileTheBackingFileIsTheOneTheHeaderRecords() throws IOException {
        Path cow = dir.resolve("vm.cow");
        assertEquals(0, CliRun.of(new MkcowCommand(), cow.toString(), back.toString()).exit());
        FileTime mtime = Files.getLastModifiedTime(back);
        // touched since: its content may have changed; no id is taken of it
        Files.setLastModifiedTime(back, FileTime.fromMillis(mtime.toMillis() + 5000));
        String sum = RebaseFixtures.sha256(cow);
        CliRun refused = CliRun.of(new RebaseCommand(), "--add-content-id", cow.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("rebase: " + cow + ": ") && refused.err().contains("mtime")
                && refused.err().split("\n").length == 1, refused.err());
        assertEquals(sum, RebaseFixtures.sha256(cow));

        Files.setLastModifiedTime(back, mtime);
        CliRun ok = CliRun.of(new RebaseCommand(), "--add-content-id", cow.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(cow + ": content id SHA-256:" + digest + " of \"" + back + "\" (" + Files.size(back) + " bytes)\n", ok.out());
        assertEquals(digest, contentId(cow).get("digest"));
        assertEquals(0, CliRun.of(new CheckCommand(), "--verify-content", cow.toString()).exit());
    }

    @Test
    void findFollowsACopyThatLostItsMtimeAndRefusesOneWithAByteChanged() throws IOException {
        Path cow = dir.resolve("vm.cow");
        assertEquals(0, CliRun.of(new MkcowCommand(), "--content-id", cow.toString(), back.toString()).exit());
        CowFixtures.writeSectors(cow, 7, new byte[512 * 3]);
        byte[] view = RebaseFixtures.view(cow);
        // the base copied elsewhere without -p (a new mtime), the original gone
        Path images = Files.createDirectory(dir.resolve("images"));
        Path copy = images.resolve("base.img");
        Files.copy(back, copy);
        Files.setLastModifiedTime(copy, FileTime.fromMillis(Files.getLastModifiedTime(back).toMillis() + 86_400_000));
        // and a changed one of the same size in another directory
        Path other = Files.createDirectory(dir.resolve("elsewhere"));
        Path changed = other.resolve("base.img");
        byte[] b = Files.readAllBytes(back);
        b[123_456] ^= 1;
        Files.write(changed, b);
        Files.delete(back);

        String sum = RebaseFixtures.sha256(cow);
        CliRun refused = CliRun.of(new RebaseCommand(), "--find", other.toString(), cow.toString());
        assertEquals(1, refused.exit());
        assertEquals("rebase: " + cow + ": no candidate has its backing file's content: " + changed + " has the size (" + b.length
                + " bytes) but not the content (SHA-256 differs): changed?\n", refused.err());
        assertEquals(sum, RebaseFixtures.sha256(cow), "a refusal changes nothing");

        CliRun found = CliRun.of(new RebaseCommand(), "--find", other.toString(), images.toString(), cow.toString());
        assertEquals(0, found.exit(), found.err());
        assertEquals(cow + ": not " + changed + ": has the size (" + b.length + " bytes) but not the content (SHA-256 differs): changed?\n"
                + cow + ": backing file is now \"" + copy + "\" (found by its content id; mtime "
                + Files.getLastModifiedTime(copy).toMillis() / 1000 + ")\n", found.out());
        assertEquals(copy.toString(), CowHeaderReader.read(cow).backingFile());
        assertArrayEquals(view, RebaseFixtures.view(cow), "the device is what it was");
        assertEquals("valid", contentId(cow).get("state"), "the id follows the header's new mtime");
        assertEquals(0, CliRun.of(new CheckCommand(), cow.toString()).exit());
        assertEquals(digest, RebaseFixtures.sha256(copy), "the backing file is only read");
    }

    @Test
    void checkFindsAStaleOrDamagedIdAndWithVerifyContentABackingFileThatChangedUnderItsMtime() throws IOException {
        Path cow = dir.resolve("vm.cow");
        assertEquals(0, CliRun.of(new MkcowCommand(), "--content-id", cow.toString(), back.toString()).exit());
        // the howto's touch: content changed, mtime set back to what the header says; only the digest sees it
        FileTime mtime = Files.getLastModifiedTime(back);
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), 4097);
        }
        Files.setLastModifiedTime(back, mtime);
        assertEquals(0, CliRun.of(new CheckCommand(), cow.toString()).exit(), "without --verify-content the backing file is not read");
        CliRun v = CliRun.of(new CheckCommand(), "--verify-content", cow.toString());
        assertEquals(1, v.exit());
        assertEquals(cow + ": backing file \"" + back + "\" does not have the content its content id records (SHA-256 differs)\n", v.err());

        // a damaged record: one byte of its digest flipped, its checksum no longer matches
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, RECORD + 40);
            one.put(0, (byte) (one.get(0) ^ 1));
            ch.write(one.flip(), RECORD + 40);
        }
        CliRun d = CliRun.of(new CheckCommand(), cow.toString());
        assertEquals(1, d.exit());
        assertTrue(d.err().startsWith(cow + ": content id record is damaged") && d.err().split("\n").length == 1, d.err());
        assertEquals("damaged", contentId(cow).get("state"));
    }

    @Test
    void aRecordMadeForAnotherHeaderIsStale() throws IOException {
        Path cow = dir.resolve("vm.cow");
        assertEquals(0, CliRun.of(new MkcowCommand(), "--content-id", cow.toString(), back.toString()).exit());
        // a tool that does not know the record points the header at another file (v3 mtime at byte 8)
        long mtime = Files.getLastModifiedTime(back).toMillis() / 1000 + 10;
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, (int) mtime), 8);
        }
        Files.setLastModifiedTime(back, FileTime.fromMillis(mtime * 1000));
        CliRun c = CliRun.of(new CheckCommand(), cow.toString());
        assertEquals(1, c.exit());
        assertTrue(c.err().startsWith(cow + ": the content id was taken of a backing file of ") && c.err().split("\n").length == 1, c.err());
        assertEquals("stale", contentId(cow).get("state"));
    }
}
