package org.ubdjava.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;

class RegularFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSymlinkLoopIsRefusedInTheCLibrarysWords() throws IOException {
        // a rename over the loop would replace the link, where every open of the name fails
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        for (Path p : new Path[] {a, b, a.resolve("x")}) {
            UbdException e = assertThrows(UbdException.class, () -> RegularFiles.require(p, "a COW file"));
            assertEquals(p + ": Too many levels of symbolic links", e.getMessage());
        }
    }

    @Test
    void regularMissingAndDanglingNamesPass() throws IOException {
        RegularFiles.require(Files.write(dir.resolve("f"), new byte[1]), "a COW file");
        RegularFiles.require(dir.resolve("missing"), "a COW file");
        RegularFiles.require(Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere")), "a COW file");
    }
}
