package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.rebase.ImageCompare.Range;
import org.ubdjava.core.testing.CowFixtures;

class ImageCompareTest {

    @TempDir
    Path dir;

    /** The differing sector runs by brute force: both files zero-extended to the longer. */
    static List<Range> naive(byte[] a, byte[] b) {
        int len = (Math.max(a.length, b.length) + SECTOR - 1) / SECTOR * SECTOR;
        byte[] x = Arrays.copyOf(a, len);
        byte[] y = Arrays.copyOf(b, len);
        List<Range> out = new ArrayList<>();
        for (int s = 0; s < len / SECTOR; s++) {
            if (!Arrays.equals(x, s * SECTOR, (s + 1) * SECTOR, y, s * SECTOR, (s + 1) * SECTOR)) {
                int last = out.size() - 1;
                if (last >= 0 && out.get(last).end() == (long) s * SECTOR) {
                    out.set(last, new Range(out.get(last).offset(), out.get(last).length() + SECTOR));
                } else {
                    out.add(new Range((long) s * SECTOR, SECTOR));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void rangesAreExactlyTheDifferingSectors(long seed) throws IOException {
        Random rnd = new Random(seed);
        long size = rnd.nextInt(12 << 20);
        Path a = CowFixtures.randomBacking(dir.resolve("a.img"), size, rnd);
        Path b = RebaseFixtures.changedCopy(a, dir.resolve("b.img"), rnd.nextDouble() * 0.2, rnd);
        if (rnd.nextBoolean()) {
            // another size: the longer one's extra bytes are compared against zeros
            try (FileChannel ch = FileChannel.open(b, StandardOpenOption.WRITE)) {
                ch.truncate(Math.max(0, size - rnd.nextInt(5000)));
            }
        }
        ImageCompare.Result r = ImageCompare.compare(a, b);
        assertEquals(naive(Files.readAllBytes(a), Files.readAllBytes(b)), r.differing());
        assertEquals(r.differing().stream().mapToLong(Range::length).sum(), r.bytesDiffering());
        assertEquals(r.differing().isEmpty(), r.identical());
        assertEquals(Files.size(a), r.firstSize());
        assertEquals(Files.size(b), r.secondSize());
    }

    @Test
    void holesInBothAreEqualWithoutReading() throws IOException {
        long size = 256L << 20;
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        byte[] data = new byte[8192];
        new Random(1).nextBytes(data);
        for (Path p : List.of(a, b)) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                CowFixtures.write(ch, data, 100L << 20);
                CowFixtures.write(ch, new byte[1], size - 1); // the length, leaving the rest a hole
            }
        }
        ImageCompare.Result r = ImageCompare.compare(a, b);
        assertTrue(r.identical());
        assertTrue(r.sameSize());
        assertEquals(size, r.bytesCompared());
        // the data blocks and the last block, from each file: not 256 MiB
        assertEquals(2 * (8192 + 4096), r.bytesRead());
    }

    @Test
    void aHoleEqualsWrittenZerosAndDataInAHoleDiffers() throws IOException {
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        try (FileChannel ch = FileChannel.open(a, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(1 << 20);
            CowFixtures.write(ch, new byte[] {0}, (1 << 20) - 1);
        }
        byte[] zeros = new byte[1 << 20];
        zeros[700 * SECTOR + 3] = 9;
        Files.write(b, zeros);
        ImageCompare.Result r = ImageCompare.compare(a, b);
        assertEquals(List.of(new Range(700L * SECTOR, SECTOR)), r.differing());
        assertEquals(700L * SECTOR, r.firstDifference().orElseThrow());
    }

    @Test
    void aZeroTailIsTheSameContentButNotTheSameSize() throws IOException {
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        byte[] x = new byte[10_000];
        new Random(2).nextBytes(x);
        Files.write(a, x);
        Files.write(b, Arrays.copyOf(x, 20_000));
        ImageCompare.Result r = ImageCompare.compare(a, b);
        assertTrue(r.identical());
        assertFalse(r.sameSize());
        byte[] y = Arrays.copyOf(x, 20_000);
        y[19_999] = 1;
        Files.write(b, y);
        // the partial last sector: bytes 19968..19999, then zeros to the sector's end
        assertEquals(List.of(new Range(19_968, SECTOR)), ImageCompare.compare(a, b).differing());
    }

    @Test
    void theMaskLimitsTheWalkToWantedSectors() throws IOException {
        byte[] x = new byte[64 * SECTOR];
        byte[] y = x.clone();
        for (int s = 0; s < 64; s++) {
            y[s * SECTOR] = 1; // every sector differs
        }
        Path a = Files.write(dir.resolve("a.img"), x);
        Path b = Files.write(dir.resolve("b.img"), y);
        List<Long> seen = new ArrayList<>();
        try (FileChannel ca = FileChannel.open(a); FileChannel cb = FileChannel.open(b)) {
            // wanted: sectors 10..19 and 40..63
            ImageCompare.UnitMask mask = new ImageCompare.UnitMask() {
                boolean wanted(long s) {
                    return s >= 10 && s < 20 || s >= 40;
                }

                @Override
                public long nextWanted(long from, long limit) {
                    long s = from;
                    while (s < limit && !wanted(s)) {
                        s++;
                    }
                    return s;
                }

                @Override
                public long nextUnwanted(long from, long limit) {
                    long s = from;
                    while (s < limit && wanted(s)) {
                        s++;
                    }
                    return s;
                }
            };
            ImageCompare.Stats st = new ImageCompare(ca, cb, SECTOR).run(x.length, mask, (off, f, g) -> {
                for (long o = off; o < off + f.remaining(); o += SECTOR) {
                    seen.add(o / SECTOR);
                }
                assertEquals(f.remaining(), g.remaining());
                assertEquals(0, f.get(f.position()));
                assertEquals(1, g.get(g.position()));
            }, p -> { });
            assertEquals(34L * SECTOR, st.bytesDiffering());
            assertEquals(34L * SECTOR, st.bytesCompared());
        }
        List<Long> want = new ArrayList<>();
        for (long s = 10; s < 20; s++) {
            want.add(s);
        }
        for (long s = 40; s < 64; s++) {
            want.add(s);
        }
        assertEquals(want, seen);
    }

    @Test
    void progressReachesTheEnd() throws IOException {
        Path a = Files.write(dir.resolve("a.img"), new byte[3_000_000]);
        Path b = Files.write(dir.resolve("b.img"), new byte[3_000_001]);
        long[] last = {-1};
        ImageCompare.compare(a, b, SECTOR, p -> {
            assertTrue(p >= last[0], "progress goes forward");
            last[0] = p;
        });
        assertEquals(3_000_001, last[0]);
    }
}
