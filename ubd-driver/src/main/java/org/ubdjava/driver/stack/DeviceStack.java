package org.ubdjava.driver.stack;

import java.io.IOException;

import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.driver.cache.BackingCaches;
import org.ubdjava.driver.device.AllocationUnitDevice;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.CowDevice;
import org.ubdjava.driver.device.DirectBackingDevice;
import org.ubdjava.driver.device.FileDevice;
import org.ubdjava.driver.device.HostIo;
import org.ubdjava.driver.device.MappedBackingDevice;
import org.ubdjava.driver.device.MappedBitmapIo;
import org.ubdjava.driver.device.MappedReadsDevice;
import org.ubdjava.driver.device.NoTrimDevice;

/**
 * Builds the device stack for opened host files: a raw image, or the COW layer over its backing
 * file, each layer chosen from the device's flags and the driver's configuration. The layers know
 * nothing of each other (device) or of how they are shared (cache); this is the one place that
 * puts them together, so both sit below it and neither imports the other's composition.
 */
public final class DeviceStack {
    private DeviceStack() {
    }

    /**
     * The device for {@code files}: the backing file of a COW device read through its shared cache
     * in {@code caches} (null or a disabled config: straight from the file), with O_DIRECT when
     * {@code directBackingReads}; a writable COW file growing by {@code allocationUnit} bytes at a
     * time ({@link AllocationUnitDevice}; 0: block by block). Raw images have no backing file and
     * are never cached.
     */
    public static BlockDevice of(DeviceFiles files, BackingCaches caches, boolean directBackingReads, long allocationUnit)
            throws IOException {
        BlockDevice device;
        if (files.isCow()) {
            BlockDevice backing = directBackingReads ? DirectBackingDevice.open(files.backing().path(), files.size())
                    : MappedBackingDevice.open(files.backing(), files.size());
            device = cow(files, new ChannelIo(files.image().channel()), caches, backing, allocationUnit);
        } else {
            device = new FileDevice(new ChannelIo(files.image().channel()), 0, files.size(), files.readOnly(), synchronous(files));
        }
        return files.config().flags().noTrim() ? new NoTrimDevice(device) : device;
    }

    /** The COW layer with the COW file's operations going through {@code cowIo} (recorded, in crash tests); no 't'. */
    public static CowDevice cow(DeviceFiles files, HostIo cowIo) {
        return cow(files, cowIo, null, fileBacking(files), 0);
    }

    /**
     * Whether growing by units can help this COW file: not when it has no holes (preallocated: its
     * unused blocks were asked for), nor in memory ({@link AllocationUnitDevice#worksOn}).
     */
    private static boolean gainsFromUnits(DeviceFiles files) {
        try {
            return AllocationUnitDevice.worksOn(files.image().path())
                    && NativeFiles.allocatedBytes(files.image().channel()) < files.image().channel().size();
        } catch (IOException | UnsupportedOperationException e) {
            // no fstat here (no LibC on this platform: no fallocate either): nothing to gain
            return false;
        }
    }

    private static boolean synchronous(DeviceFiles files) {
        return files.config().flags().sync();
    }

    private static BlockDevice fileBacking(DeviceFiles files) {
        return new FileDevice(new ChannelIo(files.backing().channel()), 0, files.size(), true);
    }

    private static CowDevice cow(DeviceFiles files, HostIo cowIo, BackingCaches caches, BlockDevice backing, long allocationUnit) {
        BlockDevice cowData = new FileDevice(cowIo, files.geometry().dataOffset(), files.size(), files.readOnly(), synchronous(files));
        // the mappings only over the COW file's own descriptor: a recorded or faulty HostIo (tests)
        // must see every operation
        boolean own = cowIo instanceof ChannelIo;
        if (own) {
            cowData = new MappedReadsDevice(cowData, files.image().channel(), files.geometry().dataOffset());
            if (allocationUnit > 0 && !files.readOnly() && gainsFromUnits(files)) {
                cowData = new AllocationUnitDevice(cowData, files.image().channel(), files.geometry().dataOffset(),
                        allocationUnit, files.bitmap());
            }
        }
        if (caches != null) {
            backing = caches.wrap(files.backing().key(), files.backing().path().toString(), files.config().name(), backing);
        }
        // the bitmap bytes through a mapping of the bitmap when writable; with 's' a write, bitmap
        // too, must be synchronous, which a store is not
        HostIo bitmapIo = own && !files.readOnly() && !synchronous(files) ? MappedBitmapIo.over(files.image().channel(), cowIo,
                files.geometry().bitmapOffset(), files.geometry().bitmapBytes()) : cowIo;
        return new CowDevice(cowData, backing, bitmapIo, files.bitmap(), files.geometry().bitmapOffset(),
                files.size(), files.readOnly());
    }
}
