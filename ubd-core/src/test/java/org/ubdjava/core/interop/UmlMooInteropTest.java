package org.ubdjava.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlUtilities;
import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Our merge against the real uml_moo: byte for byte, and hole for hole. */
@RequiresUmlUtilities
class UmlMooInteropTest {
    @TempDir
    Path dir;

    /** Random backing files (data, zeros, holes, odd sizes) and random sector writes into a COW made by uml_mkcow. */
    @Property(tries = 40)
    void newImageEqualsUmlMoo(@ForAll @LongRange(min = 0, max = 4_000_000) long size,
                              @ForAll @IntRange(min = 0, max = 60) int writes, @ForAll long seed) throws IOException {
        Path work = Files.createTempDirectory("moo-interop");
        try {
            Random rnd = new Random(seed);
            CowFixtures.randomBacking(work.resolve("back.img"), size, rnd);
            assertEquals(0, Exec.run(work, List.of(RealTools.umlMkcow(), "cow.img", "back.img")).exit());
            randomWrites(work.resolve("cow.img"), (size + 511) / 512, writes, rnd);
            Exec.Result real = Exec.run(work, List.of(RealTools.umlMoo(), "cow.img", "theirs.img"));
            assertEquals(0, real.exit(), real.both());
            CowMerger.mergeInto(work.resolve("cow.img"), null, work.resolve("ours.img"), x -> { });
            assertSameImage(work.resolve("theirs.img"), work.resolve("ours.img"));
        } finally {
            TempDirs.delete(work);
        }
    }

    @Property(tries = 25)
    void inPlaceEqualsUmlMooMinusD(@ForAll @LongRange(min = 512, max = 2_000_000) long size,
                                   @ForAll @IntRange(min = 0, max = 40) int writes, @ForAll long seed) throws IOException {
        Path work = Files.createTempDirectory("moo-d-interop");
        try {
            // twins, holes included: a copy would fill the holes
            Path a = CowFixtures.randomBacking(work.resolve("a.img"), size, new Random(seed));
            Path b = CowFixtures.randomBacking(work.resolve("b.img"), size, new Random(seed));
            Random rnd = new Random(seed + 1);
            assertEquals(0, Exec.run(work, List.of(RealTools.umlMkcow(), "cow.img", "a.img")).exit());
            randomWrites(work.resolve("cow.img"), (size + 511) / 512, writes, rnd);
            // the same COW merged into two identical backing files: -b picks which
            Exec.Result real = Exec.run(work, List.of(RealTools.umlMoo(), "-d", "-b", "a.img", "cow.img"));
            assertEquals(0, real.exit(), real.both());
            CowMerger.mergeInPlace(work.resolve("cow.img"), b, x -> { });
            assertSameImage(a, b);
        } finally {
            TempDirs.delete(work);
        }
    }

    static void randomWrites(Path cow, long sectors, int writes, Random rnd) throws IOException {
        for (int i = 0; i < writes && sectors > 0; i++) {
            long s = (long) (rnd.nextDouble() * sectors);
            int n = (int) Math.min(sectors - s, 1 + rnd.nextInt(24));
            byte[] data = new byte[n * 512];
            int kind = rnd.nextInt(4);
            if (kind == 0) {
                data[rnd.nextInt(data.length)] = 1;
            } else if (kind != 1) {
                rnd.nextBytes(data);
            }
            CowFixtures.writeSectors(cow, s, data);
        }
    }

    static void assertSameImage(Path theirs, Path ours) throws IOException {
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours), "merged bytes");
        assertEquals(CowFixtures.extentsToString(CowFixtures.dataExtents(theirs)),
                CowFixtures.extentsToString(CowFixtures.dataExtents(ours)), "holes");
        assertEquals(Files.getPosixFilePermissions(theirs), Files.getPosixFilePermissions(ours), "mode");
    }

    /** Every layout the real uml_moo reads, made by hand. */
    @ParameterizedTest
    @ValueSource(strings = {"v1", "v1-be-magic", "v2", "v3-align512", "v3-ss1024", "v3-broken"})
    void handMadeLayoutsMergeAlike(String kind) throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 16);
        String b = back.toRealPath().toString();
        long m = CowFixtures.MTIME;
        byte[] header = switch (kind) {
            case "v1" -> CowFixtures.v1Header(b, m, 8192, 512, false);
            case "v1-be-magic" -> CowFixtures.v1Header(b, m, 8192, 512, true);
            case "v2" -> CowFixtures.v2Header(b, m, 8192, 512);
            case "v3-align512" -> CowFixtures.v3Header(b, m, 8192, 512, 512);
            case "v3-ss1024" -> CowFixtures.v3Header(b, m, 8192, 1024, 4096);
            case "v3-broken" -> CowFixtures.v3BrokenHeader(b, m, 8192, 512, 4096);
            default -> throw new IllegalArgumentException(kind);
        };
        Path cow = CowFixtures.cowFile(dir.resolve("cow.img"), header);
        byte[] data = new byte[1024];
        new Random(7).nextBytes(data);
        // sectors 0-1, 6-7 and 15, in 512-byte units; a 1024-byte-sector file reads them as its sectors 0, 3 and 7
        CowFixtures.writeSectors(cow, 0, data);
        CowFixtures.writeSectors(cow, 6, data);
        CowFixtures.writeSectors(cow, 14, data);
        Exec.Result real = Exec.run(dir, List.of(RealTools.umlMoo(), "cow.img", "theirs.img"));
        assertEquals(0, real.exit(), real.both());
        if (kind.equals("v3-broken")) {
            assertEquals("read_cow_header - broken V3 file with 64-bit layout - recovering content.\n", real.out());
        }
        CowMerger.mergeInto(cow, null, dir.resolve("ours.img"), x -> { });
        assertSameImage(dir.resolve("theirs.img"), dir.resolve("ours.img"));
        assertTrue(!Arrays.equals(Files.readAllBytes(back), Files.readAllBytes(dir.resolve("ours.img"))), "the COW data is in");
    }

    @Test
    void alignmentZeroCrashesUmlMooButIsACleanErrorHere() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        Path cow = dir.resolve("cow.img");
        Files.write(cow, CowFixtures.v3Header(back.toRealPath().toString(), CowFixtures.MTIME, 10240, 512, 0));
        Exec.Result real = Exec.run(dir, List.of(RealTools.umlMoo(), "cow.img", "theirs.img"));
        assertEquals(136, real.exit(), "uml_moo dies of SIGFPE: " + real.both());
        UbdException e = org.junit.jupiter.api.Assertions.assertThrows(UbdException.class,
                () -> CowMerger.mergeInto(cow, null, dir.resolve("ours.img"), x -> { }));
        assertEquals(cow + ": read_cow_header - invalid COW header, align == 0", e.getMessage());
        assertTrue(Files.notExists(dir.resolve("ours.img")));
    }

    @Test
    void headerErrorsFailInBoth() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        byte[] v3 = CowFixtures.v3Header(back.toRealPath().toString(), CowFixtures.MTIME, 10240, 512, 4096);
        byte[] version7 = v3.clone();
        version7[7] = 7;
        byte[][] bad = {"OOOM".getBytes(), Arrays.copyOf(v3, 208), version7, Files.readAllBytes(back)};
        String[] realOut = {"read_cow_header - short header\n", "read_cow_header - failed to read V3 header\n",
                "read_cow_header - invalid COW version\n", ""};
        for (int i = 0; i < bad.length; i++) {
            Path cow = Files.write(dir.resolve("bad" + i), bad[i]);
            Exec.Result real = Exec.run(dir, List.of(RealTools.umlMoo(), cow.toString(), "theirs.img"));
            assertEquals(1, real.exit());
            assertEquals(realOut[i], real.out());
            assertTrue(real.err().contains("Reading COW header failed"), real.err());
            UbdException e = org.junit.jupiter.api.Assertions.assertThrows(UbdException.class,
                    () -> CowMerger.mergeInto(cow, null, dir.resolve("ours.img"), x -> { }));
            assertTrue(e.getMessage().startsWith(cow + ": "), e.getMessage());
            assertTrue(i == 3 ? e.getMessage().endsWith("not a COW file (no COW magic)")
                    : e.getMessage().contains(realOut[i].strip()), e.getMessage());
        }
    }

    @Test
    void mismatchMessagesAreUmlMoos() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 20);
        assertEquals(0, Exec.run(dir, List.of(RealTools.umlMkcow(), "cow.img", "back.img")).exit());
        Files.setLastModifiedTime(back, java.nio.file.attribute.FileTime.fromMillis((CowFixtures.MTIME + 632) * 1000));
        Exec.Result real = Exec.run(dir, List.of(RealTools.umlMoo(), "cow.img", "theirs.img"));
        assertEquals(1, real.exit());
        UbdException e = org.junit.jupiter.api.Assertions.assertThrows(UbdException.class,
                () -> CowMerger.mergeInto(dir.resolve("cow.img"), null, dir.resolve("ours.img"), x -> { }));
        assertEquals(real.err().strip(), e.getMessage());
    }
}
