package org.ubdjava.core.device;

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
 * <li>backing files must be regular files; a COW header whose sector size is not 512 is refused
 *     (the kernel and uml_moo disagree on what such a file means);</li>
 * <li>an empty backing file gives an empty device (the kernel fails to allocate a 0-byte bitmap).</li>
 * </ul>
 */
public final class DeviceOpener {
    private final HostFileTable files;
    private final KernelLog log;
    private final BackingPolicy policy;

    public DeviceOpener(HostFileTable files, KernelLog log) {
        this(files, log, BackingPolicy.ANY);
    }

    /**
     * @param policy where backing files may live: a COW header (or command line) naming one
     *               outside is refused before the backing file is opened, and before a switch
     *               rewrites the header
     */
    public DeviceOpener(HostFileTable files, KernelLog log, BackingPolicy policy) {
        this.files = files;
        this.log = KernelLog.oneLine(log);
        this.policy = policy;
    }

    /** Where this opener's kernel messages go; the driver logs a disk's later events there too. */
    public KernelLog log() {
        return log;
    }

    public DeviceOpener(KernelLog log) {
        this(HostFileTable.PROCESS, log);
    }

    public DeviceFiles open(UbdDeviceConfig config) {
        long size = DeviceSize.of(config, files);
        try {
            return openFiles(config, size);
        } catch (HostFileTable.OpenFailure f) {
            throw new DeviceOpenException(config.name() + ": Can't open \"" + config.file() + "\": errno = " + f.errno, f.errno);
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
            if (f.errno != Errno.ENOENT || config.backing() == null || flags.readOnly()) {
                throw f;
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
                    throw new HostFileTable.OpenFailure(Errno.EINVAL);
                }
                if (!e.notCow()) {
                    // the kernel too uses it as a raw image, but only a file without the magic silently
                    log.print(e.getMessage() + ": used as a raw image");
                }
                return new DeviceFiles(config, image, null, null, null, readOnly, size);
            } catch (IOException e) {
                throw new HostFileTable.OpenFailure(Errno.of(e));
            }
            if (header.sectorSize() != DeviceSize.SECTOR) {
                log.print("COW file \"" + file + "\" has " + header.sectorSize()
                        + "-byte sectors: only 512 is supported (the kernel and uml_moo disagree on such files)");
                throw new HostFileTable.OpenFailure(Errno.EINVAL);
            }
            Path backingPath = chooseBacking(config, header, image, readOnly);
            refuseOutsidePolicy(file, backingPath);
            CowGeometry g = header.geometry();
            g.requireBitmapFitsHeap(file.toString());
            CowBitmap bitmap;
            try {
                // a short read leaves zeros, as the kernel ignores short bitmap reads
                bitmap = CowBitmap.read(image.channel(), g.bitmapOffset(), g.bitmapBytes(), g.coveredSectors());
            } catch (IOException e) {
                throw new HostFileTable.OpenFailure(Errno.of(e));
            }
            HostFile backing = files.open(backingPath, OpenMode.backing(flags), log);
            return new DeviceFiles(config, image, backing, header, bitmap, readOnly, size);
        } catch (HostFileTable.OpenFailure | RuntimeException e) {
            image.close();
            throw e;
        }
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
            CowCreator.create(file, config.backing(), false);
        } catch (UbdException e) {
            log.print("Open of COW file '" + file + "' failed: " + e.getMessage());
            throw new HostFileTable.OpenFailure(e instanceof DeviceOpenException d ? d.errno()
                    : Files.exists(Path.of(config.backing())) ? Errno.EINVAL : Errno.ENOENT);
        }
        log.print("Creating \"" + file + "\" as COW file for \"" + config.backing() + "\"");
        return files.open(file, OpenMode.created(config.flags()), log);
    }

    /**
     * path_requires_switch, then backing_file_mismatch: the command line's backing file replaces the
     * header's when it is a different file whose size and mtime match the header.
     */
    private Path chooseBacking(UbdDeviceConfig config, CowHeader header, HostFile image, boolean readOnly)
            throws HostFileTable.OpenFailure {
        String requested = config.backing();
        Path headerPath = CowPaths.resolve(header.backingFile());
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
        Optional<String> mismatch = kernelMismatch(headerPath, header);
        if (mismatch.isPresent()) {
            log.print(mismatch.get());
            throw new HostFileTable.OpenFailure(Errno.EINVAL);
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
            throw new HostFileTable.OpenFailure(Errno.EINVAL);
        } catch (IOException e) {
            log.print("Switch failed, errno = " + Errno.of(e));
            throw new HostFileTable.OpenFailure(Errno.of(e));
        }
    }
}
