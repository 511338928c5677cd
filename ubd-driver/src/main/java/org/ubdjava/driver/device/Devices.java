package org.ubdjava.driver.device;

import java.io.IOException;

import org.ubdjava.core.device.DeviceFiles;

/** Builds the device stack for opened host files: a raw image, or the COW layer over its backing file. */
public final class Devices {
    private Devices() {
    }

    public static BlockDevice of(DeviceFiles files) throws IOException {
        boolean noTrim = files.config().flags().noTrim();
        if (!files.isCow()) {
            BlockDevice raw = new FileDevice(files.image().channel(), 0, files.size(), files.readOnly());
            return noTrim ? new NoTrimDevice(raw) : raw;
        }
        BlockDevice cowData = new FileDevice(files.image().channel(), files.geometry().dataOffset(), files.size(), files.readOnly());
        BlockDevice backing = new FileDevice(files.backing().channel(), 0, files.size(), true);
        return new CowDevice(cowData, backing, files.image().channel(), files.bitmap(), files.geometry().bitmapOffset(),
                files.size(), files.readOnly(), noTrim);
    }
}
