package org.ubdjava.driver.device;

import java.io.IOException;

import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.driver.cache.BackingCaches;

/** Builds the device stack for opened host files: a raw image, or the COW layer over its backing file. */
public final class Devices {
    private Devices() {
    }

    public static BlockDevice of(DeviceFiles files) throws IOException {
        return of(files, null);
    }

    /**
     * As {@link #of(DeviceFiles)}, with the backing file of a COW device read through its shared
     * cache in {@code caches} (null or a disabled config: straight from the file). Raw images have
     * no backing file and are never cached.
     */
    public static BlockDevice of(DeviceFiles files, BackingCaches caches) throws IOException {
        return of(files, caches, false);
    }

    /** As {@link #of(DeviceFiles, BackingCaches)}, the backing file read with O_DIRECT when {@code direct}. */
    public static BlockDevice of(DeviceFiles files, BackingCaches caches, boolean direct) throws IOException {
        return of(files, caches, direct, 0);
    }

    /**
     * As {@link #of(DeviceFiles, BackingCaches, boolean)}, a writable COW file growing by
     * {@code allocationUnit} bytes at a time ({@link AllocationUnitDevice}; 0: block by block).
     */
    public static BlockDevice of(DeviceFiles files, BackingCaches caches, boolean direct, long allocationUnit) throws IOException {
        BlockDevice device;
        if (files.isCow()) {
            BlockDevice backing = direct ? DirectBackingDevice.open(files.backing().path(), files.size())
                    : MappedBackingDevice.open(files.backing(), files.size());
            device = cow(files, new ChannelIo(files.image().channel()), caches, backing, allocationUnit);
        } else {
            device = new FileDevice(new ChannelIo(files.image().channel()), 0, files.size(), files.readOnly(), synchronous(files));
        }
        return files.config().flags().noTrim() ? new NoTrimDevice(device) : device;
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

    /** The COW layer with the COW file's operations going through {@code cowIo} (recorded, in crash tests); no 't'. */
    public static CowDevice cow(DeviceFiles files, HostIo cowIo) {
        return cow(files, cowIo, null, fileBacking(files), 0);
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
