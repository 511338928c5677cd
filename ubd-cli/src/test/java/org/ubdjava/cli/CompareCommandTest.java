package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.rebase.ImageCompare;
import org.ubdjava.core.rebase.RebaseFixtures;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.core.type.TypeReference;

/** {@code ubd compare OLD NEW}: qemu-img compare's verdict, the ranges in JSON, holes unread, errors in one line. */
class CompareCommandTest {
    @TempDir
    Path dir;

    @Test
    void identicalImagesExitZero() throws IOException {
        Path a = CowFixtures.randomBacking(dir.resolve("a.img"), 1 << 20, new Random(1));
        Path b = dir.resolve("b.img");
        Files.copy(a, b);
        CliRun r = CliRun.of(new CompareCommand(), a.toString(), b.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(a + " and " + b + " are identical\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void aLongerImageWhoseExtraBytesAreZerosIsIdenticalAndTheSizesAreSaid() throws IOException {
        Path a = CowFixtures.randomBacking(dir.resolve("a.img"), 1 << 20, new Random(2));
        Path b = dir.resolve("b.img");
        Files.write(b, Arrays.copyOf(Files.readAllBytes(a), (1 << 20) + 4096));
        CliRun r = CliRun.of(new CompareCommand(), a.toString(), b.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(a + " and " + b + " are identical (sizes differ: 1048576 and 1052672 bytes; the longer one's extra bytes are zeros)\n",
                r.out());
    }

    @Test
    void differingImagesExitOneWithTheFirstDifferingByteAndTheJsonHasEveryRange() throws IOException {
        Random rnd = new Random(3);
        Path a = CowFixtures.randomBacking(dir.resolve("a.img"), 3 << 20, rnd);
        Path b = RebaseFixtures.changedCopy(a, dir.resolve("b.img"), 0.05, rnd);
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        int first = Arrays.mismatch(x, y);
        List<long[]> ranges = bruteForce(x, y);
        long differing = ranges.stream().mapToLong(g -> g[1]).sum();

        CliRun r = CliRun.of(new CompareCommand(), a.toString(), b.toString());
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals(a + " and " + b + " differ at byte " + first + " (" + differing + " bytes in " + ranges.size()
                + " ranges of whole sectors differ)\n", r.err());

        CliRun j = CliRun.of(new CompareCommand(), "--json", a.toString(), b.toString());
        assertEquals(1, j.exit());
        assertEquals(r.err(), j.err());
        Map<String, Object> m = Json.mapper().readValue(j.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(false, m.get("identical"));
        assertEquals(first, ((Number) m.get("first_differing_byte")).intValue());
        assertEquals(differing, ((Number) m.get("bytes_differing")).longValue());
        @SuppressWarnings("unchecked")
        List<Map<String, Number>> got = (List<Map<String, Number>>) m.get("differing");
        assertEquals(ranges.size(), got.size());
        for (int i = 0; i < ranges.size(); i++) {
            assertEquals(ranges.get(i)[0], got.get(i).get("offset").longValue());
            assertEquals(ranges.get(i)[1], got.get(i).get("length").longValue());
        }
    }

    /** Runs of differing sectors, adjacent ones joined. */
    private static List<long[]> bruteForce(byte[] x, byte[] y) {
        List<long[]> out = new ArrayList<>();
        for (int s = 0; s * SECTOR < x.length; s++) {
            if (!Arrays.equals(x, s * SECTOR, (s + 1) * SECTOR, y, s * SECTOR, (s + 1) * SECTOR)) {
                long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last[0] + last[1] == (long) s * SECTOR) {
                    last[1] += SECTOR;
                } else {
                    out.add(new long[] {(long) s * SECTOR, SECTOR});
                }
            }
        }
        return out;
    }

    @Test
    void holesAreNotRead() throws IOException {
        // 64 GiB each, one 4 KiB block of data at the same place: the rest is never read
        Path a = sparse("a.img");
        Path b = sparse("b.img");
        long t0 = System.nanoTime();
        CliRun r = CliRun.of(new CompareCommand(), "--json", a.toString(), b.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> m = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(64L << 30, ((Number) m.get("bytes_compared")).longValue());
        assertTrue(((Number) m.get("bytes_read")).longValue() <= 2L * ImageCompare.CHUNK, r.out());
        assertTrue(ms < 5000, ms + " ms");
    }

    private Path sparse(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(64L << 30);
            f.seek(40L << 30);
            f.write(new byte[] {1, 2, 3, 4});
        }
        return p;
    }

    @Test
    void aFileThatCannotBeComparedIsOneLineNamingItWithExitOne() throws IOException {
        Path a = CowFixtures.randomBacking(dir.resolve("a.img"), 4096, new Random(4));
        CliRun r = CliRun.of(new CompareCommand(), a.toString(), dir.resolve("nope.img").toString());
        assertEquals(1, r.exit());
        assertEquals("compare: " + dir.resolve("nope.img") + ": No such file or directory\n", r.err());
        CliRun d = CliRun.of(new CompareCommand(), dir.toString(), a.toString());
        assertEquals(1, d.exit());
        assertTrue(d.err().startsWith("compare: " + dir) && d.err().split("\n").length == 1, d.err());
    }
}
