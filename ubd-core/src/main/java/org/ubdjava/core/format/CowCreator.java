package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.nativeio.FileUse;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.NotSupportedException;

/**
 * Creates COW files the way the kernel and uml_mkcow do (v3 header, 512-byte sectors, 4096
 * alignment, a sparse file of length data_offset + size made by writing one zero byte at the end),
 * without their traps: the file appears whole or not at all (it is built under a temporary name and
 * renamed), a failure leaves nothing behind, the backing file must be a non-empty plain image (not a
 * COW file: the kernel follows no chain), and replacing gives a clean file, refused when the
 * file is not a regular file or another process holds it (a running UML would go on writing to
 * the replaced file, and lose it). On request
 * ({@link Preallocation#FALLOC}) every block is reserved before the file appears.
 */
public final class CowCreator {
    private CowCreator() {
    }

    /**
     * @param cow     the COW file to create
     * @param backing the backing file as the user gave it (stored absolutised)
     * @param replace replace an existing COW file (an existing file that is not one is refused)
     * @return the header written
     */
    public static CowHeader create(Path cow, String backing, boolean replace) {
        return create(cow, backing, replace, Preallocation.OFF);
    }

    /** As {@link #create(Path, String, boolean)}, with the bitmap and data area allocated as {@code preallocation} says. */
    public static CowHeader create(Path cow, String backing, boolean replace, Preallocation preallocation) {
        return create(cow, backing, replace, preallocation, CowCreator::openAndRead);
    }

    /**
     * How the creator reads the start of a backing file. A process that holds a POSIX lock on the
     * file (a device opener serving other disks over it) must read through the descriptor that
     * holds the lock: closing any other descriptor of the file drops the process's locks on it.
     */
    @FunctionalInterface
    public interface BackingReader {
        boolean hasCowMagic(Path backing) throws IOException;
    }

    private static boolean openAndRead(Path backing) throws IOException {
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
            return BackingFile.hasCowMagic(ch);
        }
    }

    /** As {@link #create(Path, String, boolean, Preallocation)}, reading the backing file through {@code reader}. */
    public static CowHeader create(Path cow, String backing, boolean replace, Preallocation preallocation, BackingReader reader) {
        return create(cow, backing, replace, preallocation, reader, null, x -> { });
    }

    /**
     * As {@link #create(Path, String, boolean, Preallocation)}, keeping the backing file's content
     * identity in the header ({@link ContentIdLayout}), digested with {@code identity}: the whole
     * backing file is read once, {@code progress} told the bytes done. The digest opens the backing
     * file on its own descriptor, so a process holding POSIX locks on it must not ask for one.
     */
    public static CowHeader create(Path cow, String backing, boolean replace, Preallocation preallocation,
                                   DigestAlgorithm identity, LongConsumer progress) {
        return create(cow, backing, replace, preallocation, CowCreator::openAndRead, identity, progress);
    }

    private static CowHeader create(Path cow, String backing, boolean replace, Preallocation preallocation, BackingReader reader,
                                    DigestAlgorithm identity, LongConsumer progress) {
        CowPaths.encodeField(backing, HeaderV3.BACKING_FILE_LENGTH);
        String absolute = CowPaths.absolutise(backing);
        Path backingPath = Path.of(absolute);
        BackingFile b = BackingFile.stat(backingPath);
        if (!b.mtimeFitsHeader()) {
            throw new UbdException("backing file \"" + absolute + "\" has mtime " + b.mtimeSeconds()
                    + ", which a COW header cannot hold (32 bits): the kernel would refuse the COW file (mtime mismatch)");
        }
        if (b.size() == 0) {
            // a 0-byte disk: every write fails, and the kernel cannot even allocate its bitmap
            throw new UbdException("backing file \"" + absolute + "\" is empty (0 bytes); a COW file over it would be a 0-byte disk");
        }
        try {
            if (reader.hasCowMagic(backingPath)) {
                throw new UbdException(BackingFile.cowItself(backingPath));
            }
        } catch (IOException e) {
            throw new UbdException("backing file \"" + absolute + "\": " + CowPaths.describe(e), e);
        }
        RegularFiles.require(cow, CowFile.ROLE);
        if (Files.exists(cow) && BackingFile.sameFile(cow, backingPath) || cow.toAbsolutePath().normalize().equals(backingPath)) {
            throw new UbdException(cow + ": is the backing file itself; refusing to overwrite it with a COW header");
        }
        if (Files.exists(cow)) {
            if (!replace) {
                throw new UbdException(cow + ": File exists (use -f to replace a COW file)");
            }
            refuseNonCow(cow);
            FileUse.refuseReplacingHeld(cow);
        }
        byte[] header = HeaderV3.encode(absolute, b.storedMtime(), b.size(), HeaderV3.DEFAULT_SECTOR_SIZE,
                HeaderV3.DEFAULT_ALIGNMENT);
        CowHeader written = CowHeaderReader.decode(ByteBuffer.wrap(header));
        byte[] idRecord = null;
        if (identity != null) {
            ContentId id = ContentDigest.identify(backingPath, identity, progress);
            if (id.size() != b.size() || id.mtime() != b.storedMtime()) {
                throw new UbdException("backing file \"" + absolute + "\" changed while its content id was taken; nothing created");
            }
            idRecord = ContentIdLayout.encode(id);
        }
        long length = written.geometry().dataOffset() + b.size();

        Path tmp = temporarySibling(cow);
        try {
            try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
                writeFully(ch, ByteBuffer.wrap(header), 0);
                if (idRecord != null) {
                    writeFully(ch, ByteBuffer.wrap(idRecord), ContentIdLayout.OFFSET);
                }
                // the kernel's way to size the file: bitmap and data stay holes
                writeFully(ch, ByteBuffer.wrap(new byte[1]), length - 1);
                if (preallocation == Preallocation.FALLOC) {
                    preallocate(ch, length);
                }
                ch.force(true);
            }
            install(tmp, cow, replace);
        } catch (IOException e) {
            throw new UbdException(cow + ": cannot create: " + CowPaths.describe(e), e);
        } finally {
            Cleanup.deleteQuietly(tmp);
        }
        return written;
    }

    /** Reserves every block of the file; it still reads as before (a header, then zeros). */
    private static void preallocate(FileChannel ch, long length) throws IOException {
        try {
            NativeFiles.allocate(ch, 0, length);
        } catch (NotSupportedException e) {
            throw new IOException("cannot preallocate: the file system does not support fallocate (use preallocation off)", e);
        }
    }

    /** A regular file (see {@link RegularFiles}) that is a COW file, or empty: what the kernel leaves of a failed creation. */
    private static void refuseNonCow(Path cow) {
        try {
            if (Files.size(cow) == 0) {
                return;
            }
            CowHeaderReader.read(cow);
        } catch (CowFormatException e) {
            throw new UbdException(cow + ": exists and is not a usable COW file (" + e.getMessage()
                    + "); -f only replaces COW files");
        } catch (IOException e) {
            throw new UbdException(cow + ": " + CowPaths.describe(e), e);
        }
    }

    /** Renames into place; without replace, a hard link makes "create unless it exists" atomic. */
    private static void install(Path tmp, Path target, boolean replace) throws IOException {
        if (replace) {
            FileUse.refuseReplacingHeld(target); // again: the file is built, and time passed
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw new UbdException(target + ": File exists (use -f to replace a COW file)");
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof FileSystemException && Files.exists(target)) {
                throw new UbdException(target + ": File exists (use -f to replace a COW file)");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static Path temporarySibling(Path target) {
        Path abs = target.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".ubd-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    }

    static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }
}
