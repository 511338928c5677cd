package org.ubdjava.core.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
    public static final int SECTOR = 512;

    private DeviceSize() {
    }

    public static long of(UbdDeviceConfig config) {
        return of(config, HostFileTable.PROCESS);
    }

    /** Reads headers through {@code files}, so probing a file this process has locked never drops the lock. */
    public static long of(UbdDeviceConfig config, HostFileTable files) {
        try {
            long bytes;
            if (config.backing() != null) {
                bytes = Files.size(Path.of(config.backing()));
            } else if (config.flags().noCow()) {
                bytes = Files.size(Path.of(config.file()));
            } else {
                bytes = sizeFromHeader(Path.of(config.file()), files);
            }
            return (bytes + SECTOR - 1) / SECTOR * SECTOR;
        } catch (IOException | CowFormatException e) {
            throw new DeviceOpenException("Failed to initialize ubd device " + config.unit()
                    + " :Couldn't determine size of device's file", Errno.ENOENT);
        }
    }

    /** Any header the kernel cannot parse (EINVAL) makes the file its own size: it is a raw image. */
    private static long sizeFromHeader(Path file, HostFileTable files) throws IOException {
        CowHeader h;
        try {
            h = files.read(file, ch -> CowHeaderReader.read(ch, file.toString()));
        } catch (CowFormatException e) {
            return Files.size(file);
        } catch (org.ubdjava.core.UbdException e) {
            throw new IOException(e.getMessage(), e);
        }
        return Files.size(CowPaths.resolve(h.backingFile()));
    }
}
