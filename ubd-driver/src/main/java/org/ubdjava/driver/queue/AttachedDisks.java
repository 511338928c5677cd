package org.ubdjava.driver.queue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.cache.BackingCaches;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.stack.DeviceStack;

/**
 * The attach path and the disks it made: opens a device's host files by the kernel's rules, builds
 * its device stack ({@link DeviceStack}) with what the driver's disks share (the backing caches,
 * how backing files are read, the COW files' allocation unit), gives it an I/O thread, and closes
 * what it opened when any step fails. Keeps the attached disks, so that the driver can close those
 * left when it closes.
 */
final class AttachedDisks {
    private final RequestRings rings;
    private final BackingCaches caches;
    private final boolean directBackingReads;
    private final long allocationUnit;
    private final List<Disk> disks = new ArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();

    /** The disk's I/O thread chosen by its number, each thread in turn. */
    private static final int BY_TURNS = -1;

    AttachedDisks(DriverConfig config, RequestRings rings) {
        this.rings = rings;
        this.caches = new BackingCaches(config.cache());
        this.directBackingReads = config.directBackingReads();
        this.allocationUnit = config.allocationUnit();
    }

    BackingCaches caches() {
        return caches;
    }

    /** See {@link UbdDriver#attach(UbdDeviceConfig, DeviceOpener, UnaryOperator)}. */
    Disk attach(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator) {
        return open(config, opener, decorator, BY_TURNS);
    }

    /** See {@link UbdDriver#attach(UbdDeviceConfig, DeviceOpener, UnaryOperator, int)}. */
    Disk attach(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator, int ioThread) {
        if (ioThread < 0 || ioThread >= rings.ioThreads()) {
            throw new IllegalArgumentException(config.name() + ": I/O thread " + ioThread + " of a driver with " + rings.ioThreads());
        }
        return open(config, opener, decorator, ioThread);
    }

    private Disk open(UbdDeviceConfig config, DeviceOpener opener, UnaryOperator<BlockDevice> decorator, int ioThread) {
        rings.checkOpen();
        DeviceFiles files = opener.open(config);
        BlockDevice stack = null;
        try {
            BackingWatch watch = files.isCow() ? BackingWatch.of(config.name(), files.backing().path(), opener.log()) : null;
            stack = DeviceStack.of(files, caches, directBackingReads, allocationUnit);
            BlockDevice device = decorator.apply(stack);
            int id = nextId.getAndIncrement();
            Disk disk = new Disk(rings, id, ioThread == BY_TURNS ? id % rings.ioThreads() : ioThread, config, files, device, watch, opener.log());
            synchronized (disks) {
                disks.add(disk);
            }
            return disk;
        } catch (IOException | RuntimeException e) {
            Cleanup.closeQuietly(stack); // gives back its share of the backing cache
            Cleanup.closeQuietly(files);
            throw e instanceof UbdException u ? u : new UbdException(config.name() + ": " + e.getMessage(), e);
        }
    }

    /** Fails the disk's later requests and closes it: its files, its share of the backing cache. */
    void release(Disk disk) throws IOException {
        disk.detached = true;
        synchronized (disks) {
            disks.remove(disk);
        }
        disk.close();
    }

    /** Closes every disk still attached (once no request of theirs can run); throws the first failure after trying all. */
    void closeAll() throws IOException {
        IOException first = null;
        synchronized (disks) {
            for (Disk d : disks) {
                try {
                    d.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            disks.clear();
        }
        if (first != null) {
            throw first;
        }
    }
}
