package org.ubdjava.core.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
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
     * Why the name cannot be followed to a file, when a missing file is not the reason: a symlink
     * loop ("Too many levels of symbolic links"), a name too long. A rename onto such a name would
     * replace the link itself, so a tool that replaces files must stop here. Empty when the name
     * resolves, names nothing (the open or the create says so), or may not be looked at.
     */
    public static Optional<String> unresolvable(Path path) {
        try {
            Files.getAttribute(path, "unix:mode");
            return Optional.empty();
        } catch (NoSuchFileException | AccessDeniedException | java.nio.file.NotDirectoryException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            return Optional.of(reason(e));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What the JDK appends to the C library's words for ELOOP: a guess, which the messages leave out. */
    private static final String JDK_ELOOP_GUESS = " or unable to access attributes of symbolic link";

    /**
     * The problem of a failed file-system call in the C library's words alone (a
     * FileSystemException's message names the file, which the caller's message does itself).
     */
    public static String reason(FileSystemException e) {
        String r = e.getReason();
        if (r == null) {
            return e.getClass().getSimpleName();
        }
        return r.endsWith(JDK_ELOOP_GUESS) ? r.substring(0, r.length() - JDK_ELOOP_GUESS.length()) : r;
    }

    /**
     * Refuses an existing {@code path} that is not a regular file, in one line:
     * "PATH: is a FIFO; ROLE must be a regular file"; and a name that resolves to no file for a
     * reason other than its absence: "PATH: Too many levels of symbolic links".
     *
     * @param role what the file is for, e.g. "a COW file"
     */
    public static void require(Path path, String role) {
        unresolvable(path).ifPresent(why -> {
            throw new UbdException(path + ": " + why);
        });
        irregularKind(path).ifPresent(kind -> {
            throw new UbdException(path + ": is " + kind + "; " + role + " must be a regular file");
        });
    }
}
