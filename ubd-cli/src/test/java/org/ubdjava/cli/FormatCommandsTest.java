package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;

import com.fasterxml.jackson.core.type.TypeReference;

class FormatCommandsTest {
    @TempDir
    Path dir;
    Path back;
    Path cow;

    @BeforeEach
    void cowWithThreeSectors() throws IOException {
        back = CowFixtures.referenceBacking(dir, 20);
        cow = dir.resolve("cow.img");
        assertEquals(0, CliRun.of(new MkcowCommand(), cow.toString(), back.toString()).exit());
        byte[] data = new byte[1536];
        Arrays.fill(data, (byte) 0x33);
        CowFixtures.writeSectors(cow, 4, data);
    }

    @Test
    void helpOnEveryCommand() {
        for (Object c : List.of(new MkcowCommand(), new MooCommand(), new InfoCommand(), new CheckCommand(),
                new MapCommand(), new RebaseCommand())) {
            CliRun r = CliRun.of(c, "--help");
            assertEquals(0, r.exit());
            assertTrue(r.out().contains("Usage:") && r.out().contains("Exit codes:"), r.out());
        }
        assertTrue(CliRun.of(new MkcowCommand(), "--help").out().contains("a failure leaves no 0-byte file behind"));
        assertTrue(CliRun.of(new MooCommand(), "--help").out().contains("refuses to write NEWFILE over the backing file"));
    }

    @Test
    void wrongCommandLinesExit2WithUsage() {
        CliRun r = CliRun.of(new MkcowCommand(), "only-one");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Usage:"), r.err());
        assertEquals(2, CliRun.of(new MooCommand(), "-d", cow.toString(), "extra").exit());
        assertEquals(2, CliRun.of(new MooCommand(), cow.toString()).exit());
        assertEquals(2, CliRun.of(new MooCommand()).exit());
        assertEquals(2, CliRun.of(new InfoCommand(), "--bogus", cow.toString()).exit());
    }

    @Test
    void mooRefusesAThirdFileAndWritesNothing() {
        Path out = dir.resolve("out.img");
        CliRun r = CliRun.of(new MooCommand(), cow.toString(), out.toString(), "extra-file");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("extra-file"), r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("extra-file")));
    }

    @Test
    void infoJsonHasTheContractKeys() throws IOException {
        CliRun r = CliRun.of(new InfoCommand(), "--json", cow.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> m = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
        // every key, in this order: the JSON contract, now derived from the CowInfo record
        assertEquals(List.of("file", "version", "broken_v3", "byte_order", "magic_byte_order", "backing_file", "mtime", "size",
                "sector_size", "alignment", "cow_format", "bitmap_offset", "bitmap_length", "data_offset", "sectors",
                "allocated_sectors", "file_length", "disk_usage", "backing_ok", "backing_problem", "backing_real_path",
                "backing_allowed", "content_id"), List.copyOf(m.keySet()));
        assertEquals(3, m.get("version"));
        assertEquals(false, m.get("broken_v3"));
        assertEquals(back.toRealPath().toString(), m.get("backing_file"));
        assertEquals(10240, m.get("size"));
        assertEquals(8192, m.get("bitmap_offset"));
        assertEquals(3, m.get("bitmap_length"));
        assertEquals(12288, m.get("data_offset"));
        assertEquals(20, m.get("sectors"));
        assertEquals(3, m.get("allocated_sectors"));
        assertEquals(22528, m.get("file_length"));
        assertEquals(true, m.get("backing_ok"));
        assertEquals(null, m.get("backing_problem"));
    }

    @Test
    void infoReportsABackingMismatchWithoutFailing() throws IOException {
        Files.setLastModifiedTime(back, java.nio.file.attribute.FileTime.fromMillis(5000_000));
        CliRun r = CliRun.of(new InfoCommand(), "--json", cow.toString());
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("\"backing_ok\" : false"), r.out());
        assertTrue(r.out().contains("mtime mismatch (1614834367 vs 5000) of COW header vs backing file"), r.out());
    }

    @Test
    void checkPassesAHealthyFileAndListsEachProblem() throws IOException {
        CliRun ok = CliRun.of(new CheckCommand(), cow.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(cow + ": OK\n", ok.out());

        try (RandomAccessFile f = new RandomAccessFile(cow.toFile(), "rw")) {
            f.setLength(12288 + 5 * 512);
        }
        Files.setLastModifiedTime(back, java.nio.file.attribute.FileTime.fromMillis(5000_000));
        CliRun bad = CliRun.of(new CheckCommand(), cow.toString());
        assertEquals(1, bad.exit());
        String[] lines = bad.err().split("\n");
        assertEquals(2, lines.length, bad.err());
        assertEquals(cow + ": mtime mismatch (1614834367 vs 5000) of COW header vs backing file \"" + back.toRealPath() + "\"", lines[0]);
        assertEquals(cow + ": sectors up to 6 are marked present but the file ends at 14848 (data from sector 5 on is missing: truncated?)", lines[1]);
    }

    @Test
    void checkSeesGarbageBitsPastTheEnd() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(cow.toFile(), "rw")) {
            f.seek(8192 + 2);
            f.write(0x80); // bit 23: the device has 20 sectors
        }
        CliRun r = CliRun.of(new CheckCommand(), cow.toString());
        assertEquals(1, r.exit());
        assertEquals(cow + ": bitmap has bits set past the last sector (19): garbage in byte 2\n", r.err());
    }

    @Test
    void notACowFileIsOneLineExit1() throws IOException {
        for (Object c : List.of(new InfoCommand(), new CheckCommand(), new MapCommand())) {
            CliRun r = CliRun.of(c, back.toString());
            assertEquals(1, r.exit());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(back + ": not a COW file (no COW magic)"), r.err());
        }
        CliRun missing = CliRun.of(new InfoCommand(), dir.resolve("nope.img").toString());
        assertEquals(1, missing.exit());
        assertEquals("info: " + dir.resolve("nope.img") + ": No such file or directory\n", missing.err());
    }

    @Test
    void mapShowsWhereEachRangeComesFrom() throws IOException {
        CliRun r = CliRun.of(new MapCommand(), "--json", cow.toString());
        assertEquals(0, r.exit(), r.err());
        List<Map<String, Object>> ext = Json.mapper().readValue(r.out(), new TypeReference<List<Map<String, Object>>>() { });
        assertEquals(3, ext.size(), r.out());
        assertEquals(Map.of("start", 0, "length", 2048, "source", "backing", "offset", 0, "data", true), ext.get(0));
        assertEquals(Map.of("start", 2048, "length", 1536, "source", "cow", "offset", 12288 + 2048, "data", true), ext.get(1));
        assertEquals(Map.of("start", 3584, "length", 10240 - 3584, "source", "backing", "offset", 3584, "data", true), ext.get(2));
    }

    @Test
    void mooMergesAndInPlaceWarns() throws IOException {
        Path out = dir.resolve("merged.img");
        CliRun r = CliRun.of(new MooCommand(), cow.toString(), out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out() + r.err());
        byte[] merged = Files.readAllBytes(out);
        assertEquals(0x33, merged[4 * 512]);
        assertEquals(0x40 + 3, merged[3 * 512]);

        CliRun d = CliRun.of(new MooCommand(), cow.toString(), "-d");
        assertEquals(0, d.exit(), d.err());
        assertTrue(d.err().contains("merged 3 sectors into \"" + back.toRealPath() + "\" in place: its mtime changed, so every COW file made on it (this one too) is now invalid"), d.err());
        assertArrayEquals(merged, Files.readAllBytes(back));
    }

    @Test
    void rebaseSwitchesOnlyAMatchingFile() throws IOException {
        Path moved = Files.createDirectories(dir.resolve("moved")).resolve("back.img");
        Files.copy(back, moved, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.write(dir.resolve("other.img"), new byte[10240]);
        CliRun refused = CliRun.of(new RebaseCommand(), cow.toString(), dir.resolve("other.img").toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("mtime mismatch (1614834367 vs "), refused.err());
        byte[] before = Files.readAllBytes(cow);
        CliRun ok = CliRun.of(new RebaseCommand(), cow.toString(), moved.toString());
        assertEquals(0, ok.exit(), ok.err());
        byte[] after = Files.readAllBytes(cow);
        assertEquals(moved.toRealPath().toString(), org.ubdjava.core.format.CowHeaderReader.read(cow).backingFile());
        // only the path field changed
        assertArrayEquals(Arrays.copyOf(before, 32), Arrays.copyOf(after, 32));
        assertArrayEquals(Arrays.copyOfRange(before, 4128, before.length), Arrays.copyOfRange(after, 4128, after.length));
    }

    @Test
    void rebaseKeepsAV1FileV1() throws IOException {
        Path b16 = CowFixtures.referenceBacking(Files.createDirectories(dir.resolve("v1")), 16);
        Path v1 = CowFixtures.cowFile(dir.resolve("v1.img"), CowFixtures.v1Header(b16.toRealPath().toString(), CowFixtures.MTIME, 8192, 512, false));
        CowFixtures.writeSectors(v1, 2, new byte[512]);
        byte[] before = Files.readAllBytes(v1);
        Path moved = dir.resolve("v1moved.img");
        Files.copy(b16, moved, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        assertEquals(0, CliRun.of(new RebaseCommand(), v1.toString(), moved.toString()).exit());
        byte[] after = Files.readAllBytes(v1);
        assertEquals(1, org.ubdjava.core.format.CowHeaderReader.read(v1).version());
        assertArrayEquals(Arrays.copyOfRange(before, 264, before.length), Arrays.copyOfRange(after, 264, after.length),
                "bitmap and data untouched (the kernel's switch would overwrite them: B6)");
        assertFalse(Arrays.equals(before, after));
    }
}
