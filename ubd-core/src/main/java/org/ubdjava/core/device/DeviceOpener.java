package org.ubdjava.core.device;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.BackingPolicy;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFormatException;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.format.HeaderLayout;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;

/**
 * The kernel's device open (ubd_open_dev and open_ubd_file): open and lock
 * the image, create a missing COW file when a backing file was given, tell a COW file from a raw
 * image, choose between the command line's and the header's backing file (switching the header
 * when they differ and the command line's matches), validate it, read the bitmap, and open the
 * backing file read-only and read-locked. Messages are the kernel's, printed to a {@link KernelLog}.
 *
 * <p>Where the kernel has a bug, the format's meaning wins, and each difference is deliberate:
 * <ul>
 * <li>a backing switch rewrites the path in the header's own version (the kernel writes a v3 header
 *     over v1/v2 files and corrupts their bitmap, B6); on a read-only device it is used for the
 *     session without rewriting;</li>
 * <li>a COW file is created whole or not at all (the kernel leaves a 0-byte file on failure), and
 *     not for a read-only device (the kernel creates an empty file and then fails);</li>
 * <li>the device's file and backing files must be regular files, checked before any open (an open
 *     of a FIFO blocks: the kernel hangs); a COW file naming itself as its backing file is refused
 *     (the kernel would lock against itself, or read its own header as the disk); a COW header
 *     whose sector size is not 512 is refused
 *     (the kernel and uml_moo disagree on what such a file means);</li>
 * <li>a COW file as backing file is refused (the kernel follows no chain: the guest would see the
 *     inner file's header and bitmap as its disk), and so is creating a COW file over an empty one;</li>
 * <li>an existing COW file over an empty backing file gives an empty device (the kernel fails to
 *     allocate a 0-byte bitmap).</li>
 * </ul>
 */
public final class DeviceOpener {
    /** What {@link RegularFiles#require} calls a device's file. */
    static final String IMAGE_ROLE = "a disk image or COW file";

    private final HostFileTable files;
    private final KernelLog log;
    private final BackingPolicy policy;
    private final boolean createMissing;

    public DeviceOpener(HostFileTable files, KernelLog log) {
        this(files, log, BackingPolicy.ANY);
    }

    /**
     * @param policy where backing files may live: a COW header (or command line) naming one
     *               outside is refused before the backing file is opened, and before a switch
     *               rewrites the header
     */
    public DeviceOpener(HostFileTable files, KernelLog log, BackingPolicy policy) {
        this(files, log, policy, true);
    }

    private DeviceOpener(HostFileTable files, KernelLog log, BackingPolicy policy, boolean createMissing) {
        this.files = files;
        this.log = KernelLog.oneLine(log);
        this.policy = policy;
        this.createMissing = createMissing;
    }

    /**
     * This opener, except that a missing COW file is an error naming it, where the kernel creates
     * one: for a command that only reads a device, a typo in a file name must not leave a new file.
     */
    public DeviceOpener neverCreating() {
        return new DeviceOpener(files, log, policy, false);
    }

    /** Where this opener's kernel messages go; the driver logs a disk's later events there too. */
    public KernelLog log() {
        return log;
    }

    public DeviceOpener(KernelLog log) {
        this(HostFileTable.PROCESS, log);
    }

    /**
     * Opens the device's files. A failure prints the kernel's lines to the log, its last the kernel's
     * "Can't open" (or "Failed to initialize"), and throws what a user needs: which file, what is
     * wrong, and what to do when there is something to do.
     */
    public DeviceFiles open(UbdDeviceConfig config) {
        // before the size: reading a header opens the file, and an open of a FIFO blocks
        Optional<String> irregular = RegularFiles.irregularKind(Path.of(config.file()));
        if (irregular.isPresent()) {
            throw new DeviceOpenException(config.file() + ": is " + irregular.get() + "; " + IMAGE_ROLE + " must be a regular file",
                    Errno.EINVAL);
        }
        long size;
        try {
            size = DeviceSize.of(config, files);
        } catch (DeviceOpenException e) {
            log.print(DeviceSize.kernelFailure(config));
            throw e;
        }
        try {
            return openFiles(config, size);
        } catch (HostFileTable.OpenFailure f) {
            String kernel = config.name() + ": Can't open \"" + config.file() + "\": errno = " + f.errno;
            log.print(kernel);
            throw new DeviceOpenException(f.problem != null ? f.problem : kernel, f.errno);
        }
    }

    private DeviceFiles openFiles(UbdDeviceConfig config, long size) throws HostFileTable.OpenFailure {
        UbdFlags flags = config.flags();
        Path file = Path.of(config.file());
        if (config.backing() != null && !flags.noCow()) {
            // before anything: neither a COW file created over it nor a header switched to it
            refuseOutsidePolicy(file, Path.of(config.backing()));
        }
        HostFile image;
        try {
            image = files.open(file, OpenMode.image(flags), log);
        } catch (HostFileTable.OpenFailure f) {
            if (f.errno != Errno.ENOENT || config.backing() == null) {
                throw f.about(file.toString());
            }
            if (!createMissing) {
                throw new HostFileTable.OpenFailure(Errno.ENOENT, file + ": No such file or directory; this command does not create"
                        + " COW files (make one with: ubd mkcow " + file + " " + config.backing() + ")");
            }
            if (flags.readOnly()) {
                throw new HostFileTable.OpenFailure(f.errno, file + ": No such file or directory (a read-only device creates no COW file)");
            }
            image = create(config, file);
        }
        boolean readOnly = !image.writable();
        try {
            if (flags.noCow()) {
                return new DeviceFiles(config, image, null, null, null, readOnly, size);
            }
            CowHeader header;
            try {
                header = CowHeaderReader.read(image.channel(), file.toString());
            } catch (CowFormatException e) {
                if (config.backing() != null) {
                    log.print("Failed to read COW header from COW file \"" + file + "\", errno = " + Errno.EINVAL);
                    throw new HostFileTable.OpenFailure(Errno.EINVAL, e.getMessage()
                            + "; with a backing file it must be a COW file (alone it is used as a raw image)");
                }
                if (!e.notCow()) {
                    // the kernel too uses it as a raw image, but only a file without the magic silently
                    log.print(e.getMessage() + ": used as a raw image");
                }
                return new DeviceFiles(config, image, null, null, null, readOnly, size);
            } catch (IOException e) {
                throw new HostFileTable.OpenFailure(Errno.of(e), file + ": cannot read the COW header: " + CowPaths.describe(e));
            }
            if (header.sectorSize() != SECTOR) {
                String line = "COW file \"" + file + "\" has " + header.sectorSize()
                        + "-byte sectors: only 512 is supported (the kernel and uml_moo disagree on such files)";
                log.print(line);
                throw new HostFileTable.OpenFailure(Errno.EINVAL, line);
            }
            Path backingPath = chooseBacking(config, file, header, image, readOnly);
            refuseOutsidePolicy(file, backingPath);
            CowGeometry g = header.geometry();
            g.requireBitmapFitsHeap(file.toString());
            CowBitmap bitmap;
            try {
                // a short read leaves zeros, as the kernel ignores short bitmap reads
                bitmap = CowBitmap.read(image.channel(), g.bitmapOffset(), g.bitmapBytes(), g.coveredSectors());
            } catch (IOException e) {
                throw new HostFileTable.OpenFailure(Errno.of(e), file + ": cannot read the bitmap: " + CowPaths.describe(e));
            }
            HostFile backing;
            try {
                backing = files.open(backingPath, OpenMode.backing(flags), log);
            } catch (HostFileTable.OpenFailure f) {
                throw f.about(file + ": backing file \"" + backingPath + "\"");
            }
            refuseCowBacking(file, backingPath, backing);
            return new DeviceFiles(config, image, backing, header, bitmap, readOnly, size);
        } catch (HostFileTable.OpenFailure | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    /** Not a kernel rule: a COW file as backing file, which the kernel would read as the guest's disk. */
    private static void refuseCowBacking(Path file, Path backingPath, HostFile backing) throws HostFileTable.OpenFailure {
        String problem;
        try {
            if (!BackingFile.hasCowMagic(backing.channel())) {
                return;
            }
            problem = file + ": " + BackingFile.cowItself(backingPath);
        } catch (IOException e) {
            problem = file + ": backing file \"" + backingPath + "\": " + CowPaths.describe(e);
        }
        backing.close();
        throw new HostFileTable.OpenFailure(Errno.EINVAL, problem);
    }

    /** Not a kernel rule: the {@link BackingPolicy}'s refusal, logged and thrown with EPERM. */
    private void refuseOutsidePolicy(Path cow, Path backing) {
        Optional<String> violation = policy.violation(cow.toString(), backing);
        if (violation.isPresent()) {
            log.print(violation.get());
            throw new DeviceOpenException(violation.get(), Errno.EPERM);
        }
    }

    /** Creation happens only with two file names and a missing first one; it always locks, even with 'c'. */
    private HostFile create(UbdDeviceConfig config, Path file) throws HostFileTable.OpenFailure {
        try {
            CowCreator.create(file, config.backing(), false, Preallocation.OFF, b -> files.read(b, BackingFile::hasCowMagic));
        } catch (UbdException e) {
            log.print("Open of COW file '" + file + "' failed: " + e.getMessage());
            throw new HostFileTable.OpenFailure(e instanceof DeviceOpenException d ? d.errno()
                    : Files.exists(Path.of(config.backing())) ? Errno.EINVAL : Errno.ENOENT, e.getMessage());
        }
        log.print("Creating \"" + file + "\" as COW file for \"" + config.backing() + "\"");
        try {
            return files.open(file, OpenMode.created(config.flags()), log);
        } catch (HostFileTable.OpenFailure f) {
            throw f.about(file.toString());
        }
    }

    /**
     * path_requires_switch, then backing_file_mismatch: the command line's backing file replaces the
     * header's when it is a different file whose size and mtime match the header.
     */
    private Path chooseBacking(UbdDeviceConfig config, Path file, CowHeader header, HostFile image, boolean readOnly)
            throws HostFileTable.OpenFailure {
        String requested = config.backing();
        Path headerPath = CowPaths.resolve(header.backingFile());
        // not a kernel rule: the kernel would lock against itself, or with 'r' read its own header as the disk
        if (requested != null && BackingFile.isSelf(file, Path.of(requested))) {
            throw new HostFileTable.OpenFailure(Errno.EINVAL, file + ": is its own backing file (" + requested + ")");
        }
        if (requiresSwitch(requested, header.backingFile(), config.file())) {
            Optional<String> mismatch = kernelMismatch(Path.of(requested), header);
            if (mismatch.isEmpty()) {
                log.print("Switching backing file to '" + requested + "'");
                if (!readOnly) {
                    rewritePath(image, header, requested);
                }
                return Path.of(requested);
            }
            mismatch.ifPresent(log::print);
        }
        if (BackingFile.isSelf(file, headerPath)) {
            throw new HostFileTable.OpenFailure(Errno.EINVAL, file + ": " + BackingFile.SELF);
        }
        Optional<String> mismatch = kernelMismatch(headerPath, header);
        if (mismatch.isPresent()) {
            log.print(mismatch.get());
            throw new HostFileTable.OpenFailure(Errno.EINVAL, explainMismatch(file, headerPath, header));
        }
        return headerPath;
    }

    private boolean requiresSwitch(String requested, String inHeader, String cowName) {
        if (requested == null || requested.equals(inHeader)) {
            return false;
        }
        HostFileTable.FileKey want;
        try {
            want = HostFileTable.FileKey.of(Path.of(requested));
        } catch (IOException e) {
            log.print("Couldn't stat '" + requested + "', err = " + Errno.of(e));
            return false;
        }
        HostFileTable.FileKey have;
        try {
            have = HostFileTable.FileKey.of(CowPaths.resolve(inHeader));
        } catch (IOException e) {
            log.print("Couldn't stat '" + inHeader + "', err = " + Errno.of(e));
            return true;
        }
        if (want.equals(have)) {
            return false;
        }
        log.print("Backing file mismatch - \"" + requested + "\" requested, \"" + inHeader
                + "\" specified in COW header of \"" + cowName + "\"");
        return true;
    }

    /** The user's line for a backing file that does not match: which one, how, and what to do. */
    private static String explainMismatch(Path cow, Path backing, CowHeader header) {
        try {
            return BackingFile.stat(backing).explainedMismatch(header, cow).orElse(cow + ": backing file \"" + backing + "\" changed");
        } catch (UbdException e) {
            return cow + ": " + e.getMessage();
        }
    }

    private Optional<String> kernelMismatch(Path backing, CowHeader header) {
        try {
            return BackingFile.stat(backing).kernelMismatch(header);
        } catch (UbdException e) {
            return Optional.of("Failed to get modification time of backing file \"" + backing + "\": " + e.getMessage());
        }
    }

    /** The switch, written in the header's own layout: only the path field changes. */
    private void rewritePath(HostFile image, CowHeader header, String requested) throws HostFileTable.OpenFailure {
        HeaderLayout layout = header.layout();
        try {
            byte[] field = layout.encodePathField(CowPaths.absolutise(requested));
            ByteBuffer b = ByteBuffer.wrap(field);
            long pos = layout.pathOffset();
            while (b.hasRemaining()) {
                pos += image.channel().write(b, pos);
            }
        } catch (UbdException e) {
            log.print("Switch failed: " + e.getMessage());
            throw new HostFileTable.OpenFailure(Errno.EINVAL, image.path() + ": cannot point the header at \"" + requested + "\": " + e.getMessage());
        } catch (IOException e) {
            log.print("Switch failed, errno = " + Errno.of(e));
            throw new HostFileTable.OpenFailure(Errno.of(e), image.path() + ": cannot point the header at \"" + requested + "\": "
                    + CowPaths.describe(e));
        }
    }
}
