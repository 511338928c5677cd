package org.ubdjava.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import org.ubdjava.core.UbdException;

/**
 * The one test, made before any open, that a path names a regular file. An open of a FIFO blocks
 * until a writer comes (for ever, for a name typed by mistake or written into a COW header by
 * someone else); replacing a FIFO or a device by rename turns /dev/null into an 8 MiB file. So
 * every tool that opens a COW file, a trace or a disk image, or replaces a file, asks here first.
 * Symlinks are followed, as the open would follow them.
 *
 * <p>A stat and then an open by name leave a window in which the name can be swapped; closing it
 * would need every open to be made non-blocking and checked with fstat. This is for mistakes and
 * for names from files, not for a directory whose owner races us.
 */
public final class RegularFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFSOCK = 0140000;

    private RegularFiles() {
    }

    /**
     * What {@code path} is when it exists and is not a regular file: "a FIFO", "a character device",
     * "a block device", "a socket" or "a directory". Empty for a regular file, a missing one (the
     * open will say so), or one that cannot be stat'ed (likewise).
     */
    public static Optional<String> irregularKind(Path path) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return switch (mode & S_IFMT) {
            case S_IFREG -> Optional.empty();
            case S_IFIFO -> Optional.of("a FIFO");
            case S_IFCHR -> Optional.of("a character device");
            case S_IFBLK -> Optional.of("a block device");
            case S_IFSOCK -> Optional.of("a socket");
            case S_IFDIR -> Optional.of("a directory");
            default -> Optional.of("not a regular file");
        };
    }

    /**
     * Refuses an existing {@code path} that is not a regular file, in one line:
     * "PATH: is a FIFO; ROLE must be a regular file".
     *
     * @param role what the file is for, e.g. "a COW file"
     */
    public static void require(Path path, String role) {
        irregularKind(path).ifPresent(kind -> {
            throw new UbdException(path + ": is " + kind + "; " + role + " must be a regular file");
        });
    }
}
