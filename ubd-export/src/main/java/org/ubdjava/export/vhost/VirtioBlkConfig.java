package org.ubdjava.export.vhost;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.ubdjava.driver.queue.Disk;

/**
 * The virtio-blk device: its feature bits and its configuration space (struct virtio_blk_config
 * of include/uapi/linux/virtio_blk.h, little-endian), as one disk offers them.
 *
 * <p>Read-only disks ('r') offer RO and neither DISCARD nor WRITE_ZEROES; 't' disks offer no
 * DISCARD or WRITE_ZEROES (the driver refuses them), as the NBD export does.
 */
final class VirtioBlkConfig {
    /** virtio device id of a block device (virtio_uml.device=PATH:2). */
    static final int VIRTIO_ID_BLOCK = 2;

    static final int F_SIZE_MAX = 1;
    static final int F_SEG_MAX = 2;
    static final int F_RO = 5;
    static final int F_BLK_SIZE = 6;
    static final int F_FLUSH = 9;
    static final int F_DISCARD = 13;
    static final int F_WRITE_ZEROES = 14;
    /** The device is a virtio 1.0 device: rings and config little-endian. */
    static final int F_VERSION_1 = 32;

    static final int CAPACITY = 0;
    static final int SIZE_MAX = 8;
    static final int SEG_MAX = 12;
    static final int BLK_SIZE = 20;
    static final int MAX_DISCARD_SECTORS = 36;
    static final int MAX_DISCARD_SEG = 40;
    static final int DISCARD_SECTOR_ALIGNMENT = 44;
    static final int MAX_WRITE_ZEROES_SECTORS = 48;
    static final int MAX_WRITE_ZEROES_SEG = 52;
    static final int WRITE_ZEROES_MAY_UNMAP = 56;
    /** Bytes this back-end defines; the rest of a GET_CONFIG answer up to its size is zero. */
    static final int BYTES = 60;

    /** Data buffers per request: with the header and the status, a request fits a 256-entry ring twice. */
    static final int SEGMENTS = 126;
    static final int SEGMENT_BYTES = 1 << 20;
    /** Discard and write-zeroes ranges: one per request, up to 1 GiB. */
    static final int RANGE_SECTORS = 1 << 21;

    private VirtioBlkConfig() {
    }

    static long features(Disk disk) {
        long f = bit(F_VERSION_1) | bit(F_SIZE_MAX) | bit(F_SEG_MAX) | bit(F_BLK_SIZE) | bit(F_FLUSH);
        if (disk.readOnly()) {
            f |= bit(F_RO);
        } else if (!disk.config().flags().noTrim()) {
            f |= bit(F_DISCARD) | bit(F_WRITE_ZEROES);
        }
        return f;
    }

    /** The configuration space of the disk, {@link #BYTES} long. */
    static ByteBuffer space(Disk disk) {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(CAPACITY, disk.size() / SECTOR);
        b.putInt(SIZE_MAX, SEGMENT_BYTES);
        b.putInt(SEG_MAX, SEGMENTS);
        b.putInt(BLK_SIZE, SECTOR);
        b.putInt(MAX_DISCARD_SECTORS, RANGE_SECTORS);
        b.putInt(MAX_DISCARD_SEG, 1);
        b.putInt(DISCARD_SECTOR_ALIGNMENT, 1);
        b.putInt(MAX_WRITE_ZEROES_SECTORS, RANGE_SECTORS);
        b.putInt(MAX_WRITE_ZEROES_SEG, 1);
        b.put(WRITE_ZEROES_MAY_UNMAP, (byte) 0);
        return b;
    }

    static long bit(int n) {
        return 1L << n;
    }
}
