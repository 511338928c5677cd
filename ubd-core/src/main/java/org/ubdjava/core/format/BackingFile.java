package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

import org.ubdjava.core.UbdException;

/**
 * What a COW header records of its backing file, and the kernel's check of it: size first, then
 * mtime, each message giving the header's value first. The mtime is stored as an unsigned 32-bit
 * count of seconds and compared, zero-extended, with the full 64-bit mtime, so a backing file
 * dated before 1970 or after 2106 can never match (as in the kernel and uml_moo).
 *
 * @param path          the file as stat'ed
 * @param size          its size in bytes
 * @param mtimeSeconds  its mtime in whole seconds (sub-seconds are ignored, as by the kernel)
 */
public record BackingFile(Path path, long size, long mtimeSeconds) {

    /** Stats a backing file, following symlinks; only regular files may back a COW file. */
    public static BackingFile stat(Path path) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new UbdException("backing file \"" + path + "\": " + CowPaths.describe(e), e);
        }
        if (!a.isRegularFile()) {
            String kind = a.isDirectory() ? "a directory" : a.isOther() ? "a device, FIFO or socket" : "not a regular file";
            throw new UbdException("backing file \"" + path + "\" is " + kind + "; only regular files can back a COW file");
        }
        return new BackingFile(path, a.size(), a.lastModifiedTime().toInstant().getEpochSecond());
    }

    /**
     * Opens a backing file for reading, once {@link #stat} has found a regular file there: a path
     * taken from a COW header may name a FIFO (an open would block) or a device.
     */
    public static FileChannel openForReading(Path path) {
        stat(path);
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UbdException("backing file \"" + path + "\": " + CowPaths.describe(e), e);
        }
    }

    /** The 32-bit value a creator stores for this mtime. */
    public long storedMtime() {
        return mtimeSeconds & 0xFFFF_FFFFL;
    }

    /** True when the stored 32 bits can ever compare equal to the real mtime. */
    public boolean mtimeFitsHeader() {
        return mtimeSeconds >= 0 && mtimeSeconds <= 0xFFFF_FFFFL;
    }

    /** The kernel's backing_file_mismatch, with uml_moo's wording (it names the file). */
    public Optional<String> mismatch(CowHeader header) {
        return mismatch(header, " \"" + path + "\"");
    }

    /** The same check in the kernel's own words, which name no file. */
    public Optional<String> kernelMismatch(CowHeader header) {
        return mismatch(header, "");
    }

    private Optional<String> mismatch(CowHeader header, String suffix) {
        if (header.size() != size) {
            return Optional.of("Size mismatch (" + header.size() + " vs " + size + ") of COW header vs backing file" + suffix);
        }
        if (header.mtime() != mtimeSeconds) {
            return Optional.of("mtime mismatch (" + header.mtime() + " vs " + mtimeSeconds + ") of COW header vs backing file" + suffix);
        }
        return Optional.empty();
    }

    /** Stats and checks, failing with the mismatch message. */
    public static BackingFile verified(CowHeader header, Path path) {
        BackingFile b = stat(path);
        b.mismatch(header).ifPresent(m -> {
            throw new UbdException(m);
        });
        return b;
    }

    /** Whether two paths name the same file (device and inode), as the kernel's path switch tests. */
    public static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a, LinkOption.NOFOLLOW_LINKS) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
