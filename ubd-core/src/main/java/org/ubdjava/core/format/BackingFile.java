package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

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
            String kind = RegularFiles.irregularKind(path).orElse("not a regular file");
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

    /**
     * The kernel reads a backing file as a plain image and follows no chain: over a COW file, the
     * guest would see that file's header and bitmap as its disk. The magic alone decides, as a
     * header the readers refuse is still not a disk image anyone meant.
     */
    public static boolean hasCowMagic(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                return false;
            }
        }
        return b.order(ByteOrder.BIG_ENDIAN).getInt(0) == CowMagic.MAGIC || b.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == CowMagic.MAGIC;
    }

    /** What {@link #hasCowMagic} finds, as a problem of the backing file. */
    public static String cowItself(Path backing) {
        return "backing file \"" + backing + "\" is a COW file itself; a backing file must be a plain image (merge it first: ubd moo)";
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

    /**
     * The same check, told as a user needs it: the COW file, the backing file, what differs, and
     * what to do. A size that differs means another file; an mtime alone, often the same content
     * copied without its times (or touched), which restoring the time fixes if nothing was written.
     */
    public Optional<String> explainedMismatch(CowHeader header, Path cow) {
        String which = cow + ": backing file \"" + path + "\"";
        if (header.size() != size) {
            return Optional.of(which + " is " + size + " bytes, the COW header expects " + header.size()
                    + ": not the file this COW file was made on");
        }
        if (header.mtime() != mtimeSeconds) {
            return Optional.of(which + " has mtime " + mtimeSeconds + ", the COW header expects " + header.mtime()
                    + " (changed, or copied without cp -p?); if its content is unchanged: touch -d @" + header.mtime()
                    + " \"" + path + "\" (or touch -r the original), or ubd rebase " + cow + " onto a copy with that mtime");
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

    /** What {@link #isSelf} finds, as a problem of the COW file. */
    public static final String SELF = "the header names the COW file itself as its backing file";

    /**
     * Whether {@code backing} is the COW file itself (device and inode, through any symlink): a
     * header may say so by mistake or by malice, and every size-and-mtime check then finds a match
     * whenever the header records the file's own, while the device would read its own header and
     * bitmap as the guest's disk.
     */
    public static boolean isSelf(Path cow, Path backing) {
        return sameFile(cow, backing);
    }

    /** Refuses a backing file that is the COW file itself: "COW: the header names the COW file itself...". */
    public static void refuseSelf(Path cow, Path backing) {
        if (isSelf(cow, backing)) {
            throw new UbdException(cow + ": " + SELF);
        }
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
