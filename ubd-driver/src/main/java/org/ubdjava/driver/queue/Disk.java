package org.ubdjava.driver.queue;

import java.io.IOException;

import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.Durability;
import org.ubdjava.driver.device.IoStatus;

/**
 * A device attached to the driver: the handle requests are submitted against.
 *
 * <p>Invariant: all of a disk's requests are executed by one I/O handler ({@link #shard}), in the
 * order they were published, so overlapping requests complete in submission order and the device
 * layers need no locks. A call that can block for long runs on an {@link Offload} thread instead,
 * while the disk is held: its later requests wait, and nothing else of the disk runs meanwhile, so
 * the layers still see one thread at a time.
 */
public final class Disk {
    private final int id;
    private final UbdDeviceConfig config;
    private final DeviceFiles files;
    private final BlockDevice device;
    /** Null for a raw image: nothing lies beneath it. */
    private final BackingWatch backingWatch;
    /** The rings of the driver it is attached to: a request for it on another driver's would reach no I/O thread. */
    final RequestRings rings;
    final int shard;
    /** Its failed requests, one line each (rate-limited), where its kernel messages go. */
    final FailureLog failures;
    volatile boolean detached;
    /** What a flush and a FUA write add for this device: which calls may block ({@link IoHandler}). */
    final Durability durability;
    /**
     * Whether any write could allocate ({@link BlockDevice#writeAllocates}), asked once of the
     * whole device at attach: a disk without allocation units never asks per write.
     */
    final boolean writesMayAllocate;

    // Held behind an offloaded call: the fields below belong to the disk's I/O thread, but for the
    // hand-offs to and from the offload thread (its queue's lock, then the ring's publish).
    /** A call of this disk is on the offload; its later requests wait in {@link #waiting}. */
    boolean held;
    /** The call on the offload (reused); null until the disk first offloads one. */
    RequestEvent offloaded;
    /** Set by the offload thread before it publishes the resume event. */
    IoStatus offloadStatus;
    /** Null until the disk is first held. */
    SideQueue waiting;
    /** Requests in {@link #waiting}, for submitters: a disk held for long refuses more than a ring's worth. */
    volatile int waitingCount;
    /** The next disk in the offload's queue; guarded by its lock. */
    Disk nextOffloaded;
    /** Set while the disk's requests run on one caller's thread ({@link DirectPath}): the rings refuse its requests. */
    volatile DirectPath direct;

    Disk(RequestRings rings, int id, int shard, UbdDeviceConfig config, DeviceFiles files, BlockDevice device, BackingWatch backingWatch,
         KernelLog log) {
        this.backingWatch = backingWatch;
        this.rings = rings;
        this.id = id;
        this.shard = shard;
        this.config = config;
        this.files = files;
        this.device = device;
        this.failures = new FailureLog(config.name(), log);
        this.durability = device.durability();
        this.writesMayAllocate = device.writeAllocates(0, device.size());
    }

    public int id() {
        return id;
    }

    /** The I/O thread (of {@link UbdDriver#ioThreads()}) that runs every request of this disk, and its completions. */
    public int ioThread() {
        return shard;
    }

    public String name() {
        return config.name();
    }

    public UbdDeviceConfig config() {
        return config;
    }

    public long size() {
        return device.size();
    }

    public boolean readOnly() {
        return device.readOnly();
    }

    /** The device stack (for statistics and tests); requests go through {@link UbdDriver}. */
    public BlockDevice device() {
        return device;
    }

    public DeviceFiles files() {
        return files;
    }

    /**
     * Whether the backing file has been seen to change since attach (see {@link BackingWatch}):
     * checked at every flush of this disk, or now with {@link #checkBacking()}. False for a raw image.
     */
    public boolean backingChanged() {
        return backingWatch != null && backingWatch.changed();
    }

    /** Stats the backing file now (one system call); logs a change the first time. */
    public boolean checkBacking() {
        return backingWatch != null && backingWatch.check();
    }

    void close() throws IOException {
        try {
            device.close();
        } finally {
            files.close();
        }
    }

    @Override
    public String toString() {
        return name() + "=" + config.file() + (config.backing() == null ? "" : "," + config.backing());
    }
}
