package org.ubdjava.core;

/**
 * The block layer's unit of addressing: requests, COW bitmaps, trace records and virtio-blk all
 * count in 512-byte sectors whatever the device's block size (the kernel's SECTOR_SIZE).
 */
public final class Sectors {
    public static final int SECTOR = 512;

    private Sectors() {
    }
}
