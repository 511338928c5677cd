package org.ubdjava.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlUtilities;
import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** Our mkcow against the real uml_mkcow: the same bytes (but the leaked header tail) and the same allocation. */
@RequiresUmlUtilities
class UmlMkcowInteropTest {
    @TempDir
    Path dir;

    @Property(tries = 40)
    void sameFileAsUmlMkcow(@ForAll @LongRange(min = 0, max = 8_000_000) long size, @ForAll long seed) throws IOException {
        Path work = Files.createTempDirectory("mkcow-interop");
        try {
            Path back = CowFixtures.randomBacking(work.resolve("back.img"), size, new Random(seed));
            Exec.Result real = Exec.run(work, List.of(RealTools.umlMkcow(), "theirs.img", "back.img"));
            assertEquals(0, real.exit(), real.both());
            if (size == 0) {
                // uml_mkcow makes a 0-byte disk; ours refuses one (every write to it would fail)
                assertThrows(UbdException.class, () -> CowCreator.create(work.resolve("ours.img"), back.toString(), false));
                assertFalse(Files.exists(work.resolve("ours.img")));
                return;
            }
            CowCreator.create(work.resolve("ours.img"), back.toString(), false);
            assertSameCow(work.resolve("theirs.img"), work.resolve("ours.img"));
            assertTrue(Files.exists(back));
        } finally {
            TempDirs.delete(work);
        }
    }

    /** Equal but for what uml_mkcow may leak after the path's NUL, which we write as zeros. */
    static void assertSameCow(Path theirs, Path ours) throws IOException {
        byte[] a = Files.readAllBytes(theirs);
        byte[] b = Files.readAllBytes(ours);
        assertEquals(a.length, b.length, "length");
        int nul = 32;
        while (a[nul] != 0) {
            nul++;
        }
        assertArrayEquals(Arrays.copyOf(a, nul), Arrays.copyOf(b, nul), "header up to the path's NUL");
        for (int i = nul; i < 4128; i++) {
            assertEquals(0, b[i], "our unused header byte " + i);
        }
        assertArrayEquals(Arrays.copyOfRange(a, 4128, a.length), Arrays.copyOfRange(b, 4128, b.length), "after the header");
        assertEquals(CowFixtures.extentsToString(CowFixtures.dataExtents(theirs)),
                CowFixtures.extentsToString(CowFixtures.dataExtents(ours)), "allocated extents");
    }

    @Test
    void relativeAndSymlinkedPathsAreStoredAlike() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("real/sub"));
        CowFixtures.referenceBacking(sub, 3);
        Files.createSymbolicLink(dir.resolve("linkdir"), sub);
        Files.createSymbolicLink(dir.resolve("linkfile.img"), sub.resolve("back.img"));
        String[] backings = {"real/sub/../sub/back.img", "linkdir/back.img", "linkfile.img", "./real/sub/back.img"};
        for (int i = 0; i < backings.length; i++) {
            Exec.Result real = Exec.run(dir, List.of(RealTools.umlMkcow(), "t" + i, backings[i]));
            assertEquals(0, real.exit(), real.both());
            String saved = System.getProperty("user.dir");
            // our creator resolves relative paths against the process's directory, as the tool does
            CowCreator.create(dir.resolve("o" + i), dir.resolve(backings[i]).toString(), false);
            assertSameCow(dir.resolve("t" + i), dir.resolve("o" + i));
            assertEquals(saved, System.getProperty("user.dir"));
        }
    }

    @Test
    void missingBackingFailsInBothButOnlyTheRealToolLeavesAnEmptyFile() throws IOException {
        Exec.Result real = Exec.run(dir, List.of(RealTools.umlMkcow(), "theirs.img", "missing.img"));
        assertEquals(1, real.exit());
        assertTrue(real.out().contains("write_cow_header - backing file '" + dir.toRealPath() + "/missing.img' mtime request failed"), real.both());
        assertEquals(0, Files.size(dir.resolve("theirs.img")), "uml_mkcow leaves a 0-byte file");
        try {
            CowCreator.create(dir.resolve("ours.img"), dir.resolve("missing.img").toString(), false);
        } catch (UbdException expected) {
            assertTrue(expected.getMessage().contains("missing.img\": No such file or directory"));
        }
        assertFalse(Files.exists(dir.resolve("ours.img")), "we leave nothing");
    }

    @Test
    void forceKeepsOldDataInUmlMkcowButNotInOurs() throws IOException {
        CowFixtures.referenceBacking(dir, 20);
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 0x5A);
        for (String name : new String[] {"theirs.img", "ours.img"}) {
            assertEquals(0, Exec.run(dir, List.of(RealTools.umlMkcow(), name, "back.img")).exit());
            CowFixtures.writeSectors(dir.resolve(name), 3, sector);
        }
        assertEquals(0, Exec.run(dir, List.of(RealTools.umlMkcow(), "-f", "theirs.img", "back.img")).exit());
        CowCreator.create(dir.resolve("ours.img"), dir.resolve("back.img").toString(), true);
        byte[] theirs = Files.readAllBytes(dir.resolve("theirs.img"));
        byte[] ours = Files.readAllBytes(dir.resolve("ours.img"));
        assertEquals(0x08, theirs[8192], "uml_mkcow -f keeps the old bitmap (bug in the real tool)");
        assertEquals(0x5A, theirs[12288 + 3 * 512], "and the old data");
        assertEquals(0, ours[8192]);
        assertEquals(0, ours[12288 + 3 * 512]);
    }
}
