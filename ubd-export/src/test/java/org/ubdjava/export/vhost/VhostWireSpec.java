package org.ubdjava.export.vhost;

/**
 * The numbers of vhost-user (QEMU docs/interop/vhost-user.rst), of virtio-blk (virtio 1.x
 * §5.2, include/uapi/linux/virtio_blk.h) and of the split virtqueue (virtio 1.x §2.7,
 * include/uapi/linux/virtio_ring.h) as the specifications write them, spelled here apart from the
 * back-end's {@code VhostUserMessage}, {@code VirtioBlkRequest}, {@code VirtioBlkConfig} and
 * {@code SplitRing}: a wrong request code, offset, bit or status on the back-end's side then
 * fails the wire tests instead of passing them with the same mistake. Everything is little-endian.
 */
public final class VhostWireSpec {
    private VhostWireSpec() {
    }

    // vhost-user message header: request u32, flags u32, size u32, then size bytes of payload
    public static final int HEADER_BYTES = 12;
    public static final int HDR_REQUEST = 0;
    public static final int HDR_FLAGS = 4;
    public static final int HDR_SIZE = 8;

    /** Flags bits 0-1: the protocol's version, 1. */
    public static final int VERSION = 0x1;
    public static final int FLAG_REPLY = 0x4;
    public static final int FLAG_NEED_REPLY = 0x8;

    // front-end message types
    public static final int VHOST_USER_GET_FEATURES = 1;
    public static final int VHOST_USER_SET_FEATURES = 2;
    public static final int VHOST_USER_SET_OWNER = 3;
    public static final int VHOST_USER_RESET_OWNER = 4;
    public static final int VHOST_USER_SET_MEM_TABLE = 5;
    public static final int VHOST_USER_SET_VRING_NUM = 8;
    public static final int VHOST_USER_SET_VRING_ADDR = 9;
    public static final int VHOST_USER_SET_VRING_BASE = 10;
    public static final int VHOST_USER_GET_VRING_BASE = 11;
    public static final int VHOST_USER_SET_VRING_KICK = 12;
    public static final int VHOST_USER_SET_VRING_CALL = 13;
    public static final int VHOST_USER_SET_VRING_ERR = 14;
    public static final int VHOST_USER_GET_PROTOCOL_FEATURES = 15;
    public static final int VHOST_USER_SET_PROTOCOL_FEATURES = 16;
    public static final int VHOST_USER_GET_QUEUE_NUM = 17;
    public static final int VHOST_USER_SET_VRING_ENABLE = 18;
    public static final int VHOST_USER_SET_BACKEND_REQ_FD = 21;
    public static final int VHOST_USER_GET_CONFIG = 24;
    public static final int VHOST_USER_SET_CONFIG = 25;

    /** GET_FEATURES bit: the protocol features can be negotiated. */
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;

    // protocol feature bits
    public static final int VHOST_USER_PROTOCOL_F_MQ = 0;
    public static final int VHOST_USER_PROTOCOL_F_REPLY_ACK = 3;
    public static final int VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5;
    public static final int VHOST_USER_PROTOCOL_F_CONFIG = 9;

    // payload: a u64 (features, an ack, a vring index and its no-descriptor bit)
    public static final int U64_BYTES = 8;
    public static final long VRING_NOFD_MASK = 0x100;

    // payload: vring state (index u32, num u32)
    public static final int STATE_INDEX = 0;
    public static final int STATE_NUM = 4;
    public static final int STATE_BYTES = 8;

    // payload: vring address (index u32, flags u32, descriptor u64, used u64, available u64, log u64)
    public static final int ADDR_INDEX = 0;
    public static final int ADDR_FLAGS = 4;
    public static final int ADDR_DESC = 8;
    public static final int ADDR_USED = 16;
    public static final int ADDR_AVAIL = 24;
    public static final int ADDR_LOG = 32;
    public static final int ADDR_BYTES = 40;

    // payload: memory regions (count u32, padding u32, then each region: guest address, size, user address, mmap offset, u64s)
    public static final int MEM_NREGIONS = 0;
    public static final int MEM_PADDING = 4;
    public static final int MEM_REGIONS = 8;
    public static final int REGION_GUEST_ADDR = 0;
    public static final int REGION_SIZE = 8;
    public static final int REGION_USER_ADDR = 16;
    public static final int REGION_MMAP_OFFSET = 24;
    public static final int REGION_BYTES = 32;

    // payload: device configuration space (offset u32, size u32, flags u32, then size bytes)
    public static final int CONFIG_OFFSET = 0;
    public static final int CONFIG_SIZE = 4;
    public static final int CONFIG_FLAGS = 8;
    public static final int CONFIG_PAYLOAD = 12;

    // virtio
    /** The device id of a block device: the ":2" of virtio_uml.device=SOCKET:2. */
    public static final int VIRTIO_ID_BLOCK = 2;
    public static final int VIRTIO_F_VERSION_1 = 32;

    // virtio-blk feature bits
    public static final int VIRTIO_BLK_F_SIZE_MAX = 1;
    public static final int VIRTIO_BLK_F_SEG_MAX = 2;
    public static final int VIRTIO_BLK_F_RO = 5;
    public static final int VIRTIO_BLK_F_BLK_SIZE = 6;
    public static final int VIRTIO_BLK_F_FLUSH = 9;
    public static final int VIRTIO_BLK_F_DISCARD = 13;
    public static final int VIRTIO_BLK_F_WRITE_ZEROES = 14;

    // struct virtio_blk_config
    public static final int CFG_CAPACITY = 0;
    public static final int CFG_SIZE_MAX = 8;
    public static final int CFG_SEG_MAX = 12;
    public static final int CFG_BLK_SIZE = 20;
    public static final int CFG_MAX_DISCARD_SECTORS = 36;
    public static final int CFG_MAX_DISCARD_SEG = 40;
    public static final int CFG_DISCARD_SECTOR_ALIGNMENT = 44;
    public static final int CFG_MAX_WRITE_ZEROES_SECTORS = 48;
    public static final int CFG_MAX_WRITE_ZEROES_SEG = 52;
    public static final int CFG_WRITE_ZEROES_MAY_UNMAP = 56;
    /** Up to and with unused1[3], the end of the fields of DISCARD and WRITE_ZEROES. */
    public static final int CFG_BYTES = 60;

    /** The unit of capacity and of every sector number. */
    public static final int SECTOR = 512;

    // struct virtio_blk_outhdr: type u32, ioprio u32, sector u64
    public static final int OUTHDR_TYPE = 0;
    public static final int OUTHDR_IOPRIO = 4;
    public static final int OUTHDR_SECTOR = 8;
    public static final int OUTHDR_BYTES = 16;

    public static final int VIRTIO_BLK_T_IN = 0;
    public static final int VIRTIO_BLK_T_OUT = 1;
    public static final int VIRTIO_BLK_T_FLUSH = 4;
    public static final int VIRTIO_BLK_T_GET_ID = 8;
    public static final int VIRTIO_BLK_T_DISCARD = 11;
    public static final int VIRTIO_BLK_T_WRITE_ZEROES = 13;

    public static final byte VIRTIO_BLK_S_OK = 0;
    public static final byte VIRTIO_BLK_S_IOERR = 1;
    public static final byte VIRTIO_BLK_S_UNSUPP = 2;

    public static final int VIRTIO_BLK_ID_BYTES = 20;

    // struct virtio_blk_discard_write_zeroes: sector u64, num_sectors u32, flags u32
    public static final int RANGE_SECTOR = 0;
    public static final int RANGE_NUM_SECTORS = 8;
    public static final int RANGE_FLAGS = 12;
    public static final int RANGE_BYTES = 16;

    // split virtqueue: descriptor (addr u64, len u32, flags u16, next u16)
    public static final int DESC_ADDR = 0;
    public static final int DESC_LEN = 8;
    public static final int DESC_FLAGS = 12;
    public static final int DESC_NEXT = 14;
    public static final int DESC_BYTES = 16;
    public static final int VIRTQ_DESC_F_NEXT = 1;
    public static final int VIRTQ_DESC_F_WRITE = 2;
    public static final int VIRTQ_DESC_F_INDIRECT = 4;

    // available ring: flags u16, idx u16, ring[num] u16
    public static final int AVAIL_FLAGS = 0;
    public static final int AVAIL_IDX = 2;
    public static final int AVAIL_RING = 4;
    public static final int AVAIL_ENTRY_BYTES = 2;
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    // used ring: flags u16, idx u16, ring[num] of (id u32, len u32)
    public static final int USED_FLAGS = 0;
    public static final int USED_IDX = 2;
    public static final int USED_RING = 4;
    public static final int USED_ELEM_ID = 0;
    public static final int USED_ELEM_LEN = 4;
    public static final int USED_ELEM_BYTES = 8;
    /** The device asks the driver not to kick (virtio_ring.h VRING_USED_F_NO_NOTIFY). */
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;

    /** A feature bit as GET_FEATURES and SET_FEATURES carry it. */
    public static long bit(int n) {
        return 1L << n;
    }
}
