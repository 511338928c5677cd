package org.ubdjava.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.testing.CowFixtures;

/** Allowed backing directories: compared as real paths, so neither symlinks nor .. lead outside. */
class BackingPolicyTest {
    @TempDir
    Path dir;
    Path images;
    Path elsewhere;
    Path inside;
    Path outside;
    BackingPolicy policy;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectory(dir.resolve("images"));
        elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        inside = CowFixtures.referenceBacking(images, 4);
        outside = CowFixtures.referenceBacking(elsewhere, 4);
        policy = BackingPolicy.within(List.of(images));
    }

    @Test
    void aFileInsideIsAllowedOneOutsideIsRefusedNamingTheCowFileAndThePath() {
        assertTrue(policy.allows(inside));
        assertEquals(Optional.empty(), policy.violation("vm.cow", inside));
        assertEquals(Optional.of("vm.cow: backing file \"" + outside + "\" is outside the allowed backing directories (" + images + ")"),
                policy.violation("vm.cow", outside));
        UbdException e = assertThrows(UbdException.class, () -> policy.check("vm.cow", outside));
        assertTrue(e.getMessage().startsWith("vm.cow: backing file \"" + outside + "\""), e.getMessage());
    }

    @Test
    void aSymlinkInsideToAFileOutsideIsRefusedWithItsRealPath() throws IOException {
        Path link = Files.createSymbolicLink(images.resolve("innocent.img"), outside);
        assertFalse(policy.allows(link));
        assertEquals("vm.cow: backing file \"" + link + "\" (really \"" + outside.toRealPath() + "\") is outside the allowed backing directories ("
                + images + ")", policy.violation("vm.cow", link).orElseThrow());
    }

    @Test
    void dotDotCannotClimbOut() {
        Path climb = images.resolve("../elsewhere/back.img");
        assertFalse(policy.allows(climb));
        assertTrue(policy.allows(elsewhere.resolve("../images/back.img")));
    }

    @Test
    void anAllowedDirectoryReachedThroughASymlinkAllowsItsFiles() throws IOException {
        Path alias = Files.createSymbolicLink(dir.resolve("alias"), images);
        BackingPolicy viaAlias = BackingPolicy.within(List.of(alias));
        assertTrue(viaAlias.allows(inside));
        assertTrue(viaAlias.allows(alias.resolve("back.img")));
        assertFalse(viaAlias.allows(outside));
    }

    @Test
    void aDirectoryWhoseNameOnlyStartsLikeAnAllowedOneIsOutside() throws IOException {
        Path sibling = Files.createDirectory(dir.resolve("images2"));
        assertFalse(policy.allows(CowFixtures.referenceBacking(sibling, 1)));
    }

    @Test
    void aMissingAllowedDirectoryIsAnErrorNotASilentRefusalOfEverything() {
        Path typo = dir.resolve("imgaes");
        UbdException e = assertThrows(UbdException.class, () -> BackingPolicy.within(List.of(typo)));
        assertEquals("allowed backing directory \"" + typo + "\": No such file or directory", e.getMessage());
    }

    @Test
    void withoutDirectoriesEverythingIsAllowed() {
        assertTrue(BackingPolicy.ANY.allows(outside));
        assertTrue(BackingPolicy.ANY.allows(Path.of("/etc/shadow")));
    }
}
