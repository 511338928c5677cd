package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.ForeignLock;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.rebase.RebaseFixtures;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.core.type.TypeReference;

/** {@code ubd rebase --safe COW... NEWBACKING}: what it prints, what it does to each device, and its refusals. */
class RebaseSafeCommandTest {
    @TempDir
    Path dir;
    Path old;
    Path neu;
    List<Path> cows = new ArrayList<>();
    long sectors;

    @BeforeEach
    void setUp() throws IOException {
        Random rnd = new Random(26);
        long size = (3 << 20) + 4096;
        sectors = size / SECTOR;
        old = CowFixtures.randomBacking(dir.resolve("old.img"), size, rnd);
        for (int i = 0; i < 8; i++) {
            Path cow = dir.resolve("vm" + i + ".cow");
            CowCreator.create(cow, old.toString(), false);
            RebaseFixtures.randomWrites(cow, sectors, 20 + rnd.nextInt(60), rnd);
            cows.add(cow);
        }
        neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.1, rnd);
    }

    String[] args(String... head) {
        List<String> a = new ArrayList<>(List.of(head));
        cows.forEach(c -> a.add(c.toString()));
        a.add(neu.toString());
        return a.toArray(String[]::new);
    }

    @Test
    void eightCowFilesInOneCommandKeepTheirDevicesAndGrowByTheDifferingSectorsTheyDidNotHold() throws IOException {
        List<byte[]> views = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        List<Long> differing = new ArrayList<>();
        for (Path c : cows) {
            views.add(RebaseFixtures.view(c));
            held.add(RebaseFixtures.heldSectors(c));
            differing.add(RebaseFixtures.differingUnheld(c, old, neu));
        }
        String oldSum = RebaseFixtures.sha256(old);
        String newSum = RebaseFixtures.sha256(neu);

        CliRun r = CliRun.of(new RebaseCommand(), args("--safe", "--json"));

        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        Map<String, Object> m = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(neu.toString(), m.get("new_backing"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> each = (List<Map<String, Object>>) m.get("cows");
        assertEquals(8, each.size());
        for (int i = 0; i < cows.size(); i++) {
            Path c = cows.get(i);
            Map<String, Object> o = each.get(i);
            assertEquals(c.toString(), o.get("cow"));
            assertEquals(old.toString(), o.get("old_backing"));
            assertEquals(sectors - held.get(i), ((Number) o.get("sectors_compared")).longValue(), c.toString());
            assertEquals(differing.get(i), ((Number) o.get("sectors_differing")).longValue(), c.toString());
            assertEquals(differing.get(i), ((Number) o.get("sectors_copied")).longValue(), c.toString());
            assertEquals(false, o.get("device_grew"));
            assertTrue(differing.get(i) > 0, "10 % changed reaches every file");
            assertArrayEquals(views.get(i), RebaseFixtures.view(c), "the device of " + c);
            assertEquals(held.get(i) + differing.get(i), RebaseFixtures.heldSectors(c), c.toString());
            assertEquals(neu.toString(), CowHeaderReader.read(c).backingFile());
        }
        assertEquals(oldSum, RebaseFixtures.sha256(old), "the old backing file is only read");
        assertEquals(newSum, RebaseFixtures.sha256(neu), "the new backing file is only read");
    }

    @Test
    void theTextSaysPerFileWhatWasCopiedAndWhatTheDeviceBecomes() throws IOException {
        // a larger new backing file: the device grows (its bitmap has room up to 16 MiB)
        Path big = dir.resolve("big.img");
        byte[] b = Files.readAllBytes(neu);
        Files.write(big, java.util.Arrays.copyOf(b, b.length + 8192));
        Path cow = cows.get(0);
        long held = RebaseFixtures.heldSectors(cow);
        long differing = RebaseFixtures.differingUnheld(cow, old, neu);

        CliRun r = CliRun.of(new RebaseCommand(), "--safe", cow.toString(), big.toString());

        assertEquals(0, r.exit(), r.err());
        Matcher m = Pattern.compile(Pattern.quote(cow + ": backing file is now \"" + big + "\": "
                + (sectors - held) + " sectors compared (those it does not hold), " + differing + " differing, " + differing + " copied (")
                + "(\\d+)" + Pattern.quote(" data bytes written); the device grows from " + sectors * SECTOR + " to "
                + (sectors * SECTOR + 8192) + " bytes (the kernel sizes it by its backing file)") + "\n").matcher(r.out());
        assertTrue(m.matches(), r.out());
        // zeros over a hole of the COW file need only their bits: at most the differing sectors' bytes, whole sectors
        long written = Long.parseLong(m.group(1));
        assertTrue(written > 0 && written <= differing * SECTOR && written % SECTOR == 0, r.out());
        assertEquals(big.toString(), CowHeaderReader.read(cow).backingFile());
        assertEquals(sectors * SECTOR + 8192, CowHeaderReader.read(cow).size());
    }

    @Test
    void everyRefusalIsOneLineNamingTheFileAndChangesNothing() throws Exception {
        List<String> before = sums();
        // the old backing file touched (its mtime no longer the header's): the howto's warning case
        FileTime mtime = Files.getLastModifiedTime(old);
        Files.setLastModifiedTime(old, FileTime.fromMillis(mtime.toMillis() + 1000));
        refused(args("--safe"), "vm0.cow", "mtime");
        Files.setLastModifiedTime(old, mtime);
        // a COW file held by a running UML (its fcntl lock), the others fine: none of them is touched
        try (ForeignLock lock = ForeignLock.take(cows.get(5), true)) {
            refused(args("--safe"), "vm5.cow", "locked by pid " + lock.pid());
        }
        // a COW file given twice
        refused(new String[] {"--safe", cows.get(1).toString(), cows.get(1).toString(), neu.toString()}, "vm1.cow", "given twice");
        // the new backing file smaller, a COW file, empty, missing
        Path small = Files.write(dir.resolve("small.img"), new byte[4096]);
        refused(new String[] {"--safe", cows.get(0).toString(), small.toString()}, "small.img", "smaller");
        refused(new String[] {"--safe", cows.get(0).toString(), cows.get(1).toString()}, "vm1.cow", "COW file");
        Path empty = Files.createFile(dir.resolve("empty.img"));
        refused(new String[] {"--safe", cows.get(0).toString(), empty.toString()}, "empty.img", "empty");
        refused(new String[] {"--safe", cows.get(0).toString(), dir.resolve("nope.img").toString()}, "nope.img", "No such file");
        // the new backing file written by someone (a write lock on it)
        try (ForeignLock lock = ForeignLock.take(neu, true)) {
            refused(args("--safe"), "new.img", "locked for writing");
        }
        // the old backing file gone
        Path moved = dir.resolve("moved.img");
        Files.move(old, moved);
        refused(args("--safe"), "old.img", "No such file");
        Files.move(moved, old);
        assertEquals(before, sums(), "no COW file and no backing file changed");
    }

    private void refused(String[] args, String names, String says) {
        CliRun r = CliRun.of(new RebaseCommand(), args);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        String[] lines = r.err().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("rebase: ") && lines[0].contains(names) && lines[0].contains(says), r.err());
    }

    private List<String> sums() throws IOException {
        List<String> s = new ArrayList<>();
        for (Path c : cows) {
            s.add(RebaseFixtures.sha256(c) + " " + Files.getLastModifiedTime(c));
        }
        s.add(RebaseFixtures.sha256(old) + " " + Files.getLastModifiedTime(old));
        s.add(RebaseFixtures.sha256(neu) + " " + Files.getLastModifiedTime(neu));
        return s;
    }
}
