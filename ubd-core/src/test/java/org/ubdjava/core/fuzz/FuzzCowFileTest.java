package org.ubdjava.core.fuzz;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;
import org.ubdjava.testsupport.ByteMutation;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.core.testing.FuzzOutcome;
import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whole COW files, valid ones of every layout mutated, through what {@code ubd info}, {@code ubd
 * check} and {@code ubd map} do: CowFile.open, then CowInspector.info, check and map. Each ends in
 * a result or the project's exception (an IOException counts as a bug: the commands promise one
 * line naming the file), within a time bound, and writes nothing: the directory's listing (names,
 * sizes, mtimes) and the COW file's bytes are the same afterwards.
 */
@Tag("fuzz")
class FuzzCowFileTest {
    static final int[] FIELDS = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 264, 268, 276, 280, 512, 4104, 4108, 4116, 4120,
        4128, 4608, 8192, 12288};

    static Path dir;
    static Path cowPath;
    static List<FuzzCowHeaderTest.Seed> seeds;

    @BeforeContainer
    static void makeSeeds() throws IOException {
        dir = Files.createTempDirectory("fuzz-cow-file");
        Path back = CowFixtures.referenceBacking(Files.createDirectory(dir.resolve("backing")), 20);
        Path work = Files.createDirectory(dir.resolve("work"));
        cowPath = work.resolve("cow.img");
        String b = back.toString();
        Path v3 = work.resolve("seed-v3");
        CowCreator.create(v3, b, false);
        CowFixtures.writeSectors(v3, 3, new byte[3 * SECTOR]);
        seeds = List.of(
                new FuzzCowHeaderTest.Seed("v3", Files.readAllBytes(v3)),
                seed(work, "v3-broken", CowFixtures.v3BrokenHeader(b, CowFixtures.MTIME, 10240, 512, 4096)),
                seed(work, "v3-align-512", CowFixtures.v3Header(b, CowFixtures.MTIME, 10240, 512, 512)),
                seed(work, "v2", CowFixtures.v2Header(b, CowFixtures.MTIME, 10240, 512)),
                seed(work, "v1", CowFixtures.v1Header(b, CowFixtures.MTIME, 10240, 512, false)),
                seed(work, "v1-odd-size", CowFixtures.v1Header(b, CowFixtures.MTIME, 10000, 512, false)));
        try (Stream<Path> s = Files.list(work)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }

    private static FuzzCowHeaderTest.Seed seed(Path work, String name, byte[] header) throws IOException {
        Path p = CowFixtures.cowFile(work.resolve("seed-" + name), header);
        CowFixtures.writeSectors(p, 1, new byte[2 * SECTOR]);
        return new FuzzCowHeaderTest.Seed(name, Files.readAllBytes(p));
    }

    @AfterContainer
    static void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    @Property
    void openCheckInfoMapGiveAResultOrOurExceptionAndWriteNothing(@ForAll("seedFiles") FuzzCowHeaderTest.Seed seed,
            @ForAll("mutations") List<ByteMutation> mutations) throws IOException {
        byte[] input = ByteMutation.applyAll(seed.bytes(), mutations);
        Files.write(cowPath, input);
        Map<String, String> before = listing(dir);
        String what = seed + " " + mutations;
        CowFile opened = FuzzOutcome.expect(() -> CowFile.open(cowPath), what);
        if (opened != null) {
            try (CowFile cow = opened) {
                FuzzOutcome.expect(() -> CowInspector.info(cow), what);
                FuzzOutcome.expect(() -> CowInspector.check(cow), what);
                FuzzOutcome.expect(() -> CowInspector.map(cow), what);
            }
        }
        assertEquals(before, listing(dir), what);
        assertArrayEquals(input, Files.readAllBytes(cowPath), what);
    }

    /** Every file under {@code root}: path to size and mtime. */
    static Map<String, String> listing(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                m.put(root.relativize(p).toString(), a.isDirectory() ? "dir" : a.size() + "@" + a.lastModifiedTime());
            }
        }
        return m;
    }

    @Provide
    Arbitrary<FuzzCowHeaderTest.Seed> seedFiles() {
        return Arbitraries.of(seeds);
    }

    @Provide
    Arbitrary<List<ByteMutation>> mutations() {
        return ByteMutation.any(23000, FIELDS).list().ofMinSize(1).ofMaxSize(6);
    }
}
