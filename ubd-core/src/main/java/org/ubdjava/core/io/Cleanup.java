package org.ubdjava.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Closing and deleting on the way out: the quiet forms for paths already failing with a better message. */
public final class Cleanup {
    private Cleanup() {
    }

    /** Closes, ignoring a failure; null is nothing to close. */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing with a better message
        }
    }

    /** Deletes if present, ignoring a failure: best effort for a file that was ours and temporary. */
    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary file is a nuisance, not a failure
        }
    }

    /** Deletes a directory and everything in it, children first; a missing directory is nothing to do. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }

    /** {@link #deleteTree}, ignoring what cannot be deleted. */
    public static void deleteTreeQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
