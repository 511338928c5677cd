package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.testing.CowFixtures;

import com.fasterxml.jackson.core.type.TypeReference;

/** --allow-backing-dir on info, check and moo; --expect-backing on check. */
class BackingCheckCommandsTest {
    @TempDir
    Path dir;
    Path images;
    Path elsewhere;
    Path back;
    Path link;
    Path cow;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectory(dir.resolve("images"));
        elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        back = CowFixtures.referenceBacking(elsewhere, 8);
        link = Files.createSymbolicLink(images.resolve("link.img"), back);
        cow = images.resolve("vm.cow");
        CowCreator.create(cow, link.toString(), false);
    }

    String outsideLine() throws IOException {
        return cow + ": backing file \"" + images.toRealPath().resolve("link.img") + "\" (really \"" + back.toRealPath()
                + "\") is outside the allowed backing directories (" + images.toRealPath() + ")";
    }

    @Test
    void infoShowsTheRealPathAndWhetherItIsAllowed() throws IOException {
        CliRun ok = CliRun.of(new InfoCommand(), "--json", cow.toString());
        assertEquals(0, ok.exit(), ok.err());
        Map<String, Object> m = Json.mapper().readValue(ok.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(back.toRealPath().toString(), m.get("backing_real_path"));
        assertEquals(null, m.get("backing_allowed"));

        CliRun in = CliRun.of(new InfoCommand(), "--json", "--allow-backing-dir", elsewhere.toString(), cow.toString());
        assertEquals(0, in.exit(), in.err());
        assertTrue(in.out().contains("\"backing_allowed\" : true"), in.out());

        CliRun out = CliRun.of(new InfoCommand(), "--allow-backing-dir", images.toString(), cow.toString());
        assertEquals(1, out.exit());
        assertTrue(out.out().contains("backing_allowed:   false"), out.out());
        assertTrue(out.out().contains("backing_real_path: " + back.toRealPath()), out.out());
        assertEquals(outsideLine() + System.lineSeparator(), out.err());
    }

    @Test
    void checkRefusesABackingFileOutsideTheAllowedDirectories() throws IOException {
        CliRun r = CliRun.of(new CheckCommand(), "--allow-backing-dir", images.toString(), "--allow-backing-dir", dir.resolve("none").toString(), cow.toString());
        assertEquals(1, r.exit());
        assertEquals("check: allowed backing directory \"" + dir.resolve("none") + "\": No such file or directory" + System.lineSeparator(), r.err());

        r = CliRun.of(new CheckCommand(), "--allow-backing-dir", images.toString(), cow.toString());
        assertEquals(1, r.exit());
        assertEquals(outsideLine() + System.lineSeparator(), r.err());

        r = CliRun.of(new CheckCommand(), "--allow-backing-dir", images.toString(), "--allow-backing-dir", elsewhere.toString(), cow.toString());
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void checkComparesTheExpectedBackingFileByIdentity() throws IOException {
        CliRun same = CliRun.of(new CheckCommand(), "--expect-backing", back.toString(), cow.toString());
        assertEquals(0, same.exit(), same.err());
        assertEquals(cow + ": OK" + System.lineSeparator(), same.out());

        Path other = Files.copy(back, dir.resolve("other.img"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        CliRun r = CliRun.of(new CheckCommand(), "--expect-backing", other.toString(), cow.toString());
        assertEquals(1, r.exit());
        assertEquals(cow + ": backing file \"" + CowCreator.create(dir.resolve("probe.cow"), link.toString(), false).backingFile()
                + "\" is not the expected \"" + other + "\"" + System.lineSeparator(), r.err());
    }

    @Test
    void mooRefusesABackingFileOutsideAndWritesNothing() throws IOException {
        Path out = images.resolve("merged.img");
        CliRun r = CliRun.of(new MooCommand(), "--allow-backing-dir", images.toString(), cow.toString(), out.toString());
        assertEquals(1, r.exit());
        assertEquals("moo: " + outsideLine() + System.lineSeparator(), r.err());
        assertFalse(Files.exists(out));
        try (var s = Files.list(images)) {
            assertEquals(2, s.count(), "only the COW file and the link");
        }
        CliRun ok = CliRun.of(new MooCommand(), "--allow-backing-dir", elsewhere.toString(), cow.toString(), out.toString());
        assertEquals(0, ok.exit(), ok.err());
    }
}
