package org.ubdjava.core.device;

import java.io.Closeable;
import java.io.IOException;

import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.options.UbdDeviceConfig;

/**
 * The host files of an opened device, as the kernel's ubd_open_dev leaves them: the image (a raw
 * image, or the COW file) open and locked, and for a COW device the backing file open read-only
 * and read-locked, the header decoded and the bitmap in memory.
 *
 * @param config   the device's command-line configuration
 * @param image    the raw image or COW file
 * @param backing  the backing file, or null for a raw image
 * @param header   the COW header, or null for a raw image
 * @param bitmap   the bitmap as read at open, or null for a raw image
 * @param readOnly no writes: the 'r' flag, or the read-only fallback on EROFS/EACCES
 * @param size     the device's capacity in bytes, a multiple of 512
 */
public record DeviceFiles(UbdDeviceConfig config, HostFile image, HostFile backing, CowHeader header,
                          CowBitmap bitmap, boolean readOnly, long size) implements Closeable {

    public boolean isCow() {
        return header != null;
    }

    public CowGeometry geometry() {
        return header == null ? null : header.geometry();
    }

    @Override
    public void close() throws IOException {
        try {
            image.close();
        } finally {
            if (backing != null) {
                backing.close();
            }
        }
    }
}
