package org.ubdjava.export.vhost;

/**
 * A virtio-blk request as the guest lays it out in a descriptor chain: a device-readable header
 * (struct virtio_blk_outhdr: type u32, ioprio u32, sector u64), the data buffers, and a
 * device-writable status byte at the end. DISCARD and WRITE_ZEROES carry ranges (struct
 * virtio_blk_discard_write_zeroes: sector u64, num_sectors u32, flags u32) as their data.
 */
final class VirtioBlkRequest {
    static final int HEADER_BYTES = 16;
    static final int HEADER_TYPE = 0;
    static final int HEADER_IOPRIO = 4;
    static final int HEADER_SECTOR = 8;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;

    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    /** GET_ID answers at most this many bytes of the serial (VIRTIO_BLK_ID_BYTES). */
    static final int ID_BYTES = 20;

    static final int RANGE_BYTES = 16;
    static final int RANGE_SECTOR = 0;
    static final int RANGE_NUM_SECTORS = 8;
    static final int RANGE_FLAGS = 12;

    private VirtioBlkRequest() {
    }
}
