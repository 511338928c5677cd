package org.ubdjava.driver;

import java.io.IOException;
import java.nio.file.Path;

import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.driver.device.CowDevice;
import org.ubdjava.driver.device.FileDevice;
import org.ubdjava.driver.device.HostIo;

/** A new COW file over a backing file, as read back at open: for tests that build the COW layer over host I/O of their own. */
record FreshCow(CowGeometry geometry, CowBitmap bitmap, long size) {
    static FreshCow create(Path cow, Path back) throws IOException {
        CowCreator.create(cow, back.toString(), false);
        try (CowFile f = CowFile.open(cow)) {
            return new FreshCow(f.geometry(), f.bitmap(), f.header().size());
        }
    }

    /** The writable COW layer, its COW file's operations through {@code cowIo}, its backing file's through {@code backingIo}. */
    CowDevice device(HostIo cowIo, HostIo backingIo) {
        return new CowDevice(new FileDevice(cowIo, geometry.dataOffset(), size, false), new FileDevice(backingIo, 0, size, true),
                cowIo, bitmap, geometry.bitmapOffset(), size, false);
    }
}
