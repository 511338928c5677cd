package org.ubdjava.core.device;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFormatException;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.options.UbdDeviceConfig;

/**
 * The kernel's ubd_file_size: what the device's capacity is, decided before any open. The size of
 * the backing file when one is given or named by a COW header, else the file's own size; rounded
 * up to whole 512-byte sectors. The header's own size field never sets the capacity.
 *
 * <p>One quirk is fixed: with the 'd' flag the kernel still takes the size of a COW header's
 * backing file while doing raw I/O on the COW file. Here 'd' means the file is the device, size
 * included.
 */
public final class DeviceSize {

    private DeviceSize() {
    }

    public static long of(UbdDeviceConfig config) {
        return of(config, HostFileTable.PROCESS);
    }

    /**
     * Reads headers through {@code files}, so probing a file this process has locked never drops the lock.
     *
     * @throws DeviceOpenException saying which file has no size and why; the kernel's own line for
     *                             it is {@link #kernelFailure}
     */
    public static long of(UbdDeviceConfig config, HostFileTable files) {
        long bytes;
        if (config.backing() != null) {
            Path backing = Path.of(config.backing());
            bytes = size(backing, "backing file \"" + backing + "\"", "");
        } else if (config.flags().noCow()) {
            bytes = size(Path.of(config.file()), config.file(), "");
        } else {
            bytes = sizeFromHeader(Path.of(config.file()), files);
        }
        return (bytes + SECTOR - 1) / SECTOR * SECTOR;
    }

    /** What the kernel prints when {@link #of} fails, naming no file. */
    public static String kernelFailure(UbdDeviceConfig config) {
        return "Failed to initialize ubd device " + config.unit() + " :Couldn't determine size of device's file";
    }

    /** Any header the kernel cannot parse (EINVAL) makes the file its own size: it is a raw image. */
    private static long sizeFromHeader(Path file, HostFileTable files) {
        CowHeader h;
        try {
            h = files.read(file, ch -> CowHeaderReader.read(ch, file.toString()));
        } catch (CowFormatException e) {
            return size(file, file.toString(), "");
        } catch (IOException e) {
            throw new DeviceOpenException(file + ": " + CowPaths.describe(e), Errno.of(e));
        } catch (UbdException e) {
            throw new DeviceOpenException(e.getMessage(), Errno.EINVAL);
        }
        Path backing = CowPaths.resolve(h.backingFile());
        return size(backing, file + ": backing file \"" + backing + "\" named in its header",
                " (moved? ubd rebase " + file + " NEWPATH)");
    }

    /** @param hintIfMissing what to do when the file does not exist, appended to the message */
    private static long size(Path p, String named, String hintIfMissing) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new DeviceOpenException(named + ": " + CowPaths.describe(e)
                    + (e instanceof NoSuchFileException ? hintIfMissing : ""), Errno.of(e));
        }
    }
}
