package org.ubdjava.export.vhost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;

/**
 * The vhost-user wire format (qemu docs/interop/vhost-user.rst): a 12-byte header (request u32,
 * flags u32, payload size u32) and a payload, all in the host's (little-endian) byte order.
 * A flyweight over one native buffer that the socket reads into and replies are built in.
 */
final class VhostUserMessage {
    static final int HEADER_BYTES = 12;
    static final int REQUEST = 0;
    static final int FLAGS = 4;
    static final int SIZE = 8;
    /** Larger than any message this back-end takes (the biggest: GET_CONFIG with 256 bytes). */
    static final int MAX_PAYLOAD = 4096;

    static final int FLAG_VERSION_MASK = 0x3;
    static final int VERSION = 1;
    static final int FLAG_REPLY = 0x4;
    static final int FLAG_NEED_REPLY = 0x8;

    // requests (front-end to back-end)
    static final int GET_FEATURES = 1;
    static final int SET_FEATURES = 2;
    static final int SET_OWNER = 3;
    static final int RESET_OWNER = 4;
    static final int SET_MEM_TABLE = 5;
    static final int SET_LOG_BASE = 6;
    static final int SET_LOG_FD = 7;
    static final int SET_VRING_NUM = 8;
    static final int SET_VRING_ADDR = 9;
    static final int SET_VRING_BASE = 10;
    static final int GET_VRING_BASE = 11;
    static final int SET_VRING_KICK = 12;
    static final int SET_VRING_CALL = 13;
    static final int SET_VRING_ERR = 14;
    static final int GET_PROTOCOL_FEATURES = 15;
    static final int SET_PROTOCOL_FEATURES = 16;
    static final int GET_QUEUE_NUM = 17;
    static final int SET_VRING_ENABLE = 18;
    static final int SET_BACKEND_REQ_FD = 21;
    static final int GET_CONFIG = 24;
    static final int SET_CONFIG = 25;

    /** Feature bit 30 of GET_FEATURES: the protocol-feature negotiation exists. */
    static final int F_PROTOCOL_FEATURES = 30;
    static final int PROTOCOL_F_MQ = 0;
    static final int PROTOCOL_F_REPLY_ACK = 3;
    /** The back-end request channel (SET_BACKEND_REQ_FD), called SLAVE_REQ in the kernel's 6.1 sources. */
    static final int PROTOCOL_F_BACKEND_REQ = 5;
    static final int PROTOCOL_F_CONFIG = 9;

    // payload: u64
    static final int U64 = 0;
    static final int U64_BYTES = 8;
    /** SET_VRING_KICK/CALL/ERR: the ring index in the low byte, bit 8 "no descriptor" (polling). */
    static final long VRING_NOFD = 0x100;

    // payload: struct vhost_vring_state
    static final int STATE_INDEX = 0;
    static final int STATE_NUM = 4;
    static final int STATE_BYTES = 8;

    // payload: struct vhost_vring_addr
    static final int ADDR_INDEX = 0;
    static final int ADDR_FLAGS = 4;
    static final int ADDR_DESC = 8;
    static final int ADDR_USED = 16;
    static final int ADDR_AVAIL = 24;
    static final int ADDR_LOG = 32;
    static final int ADDR_BYTES = 40;

    // payload: memory table
    static final int MEM_NREGIONS = 0;
    static final int MEM_REGIONS = 8;
    static final int MEM_MAX_REGIONS = 8;
    static final int REGION_GUEST_ADDR = 0;
    static final int REGION_SIZE = 8;
    static final int REGION_USER_ADDR = 16;
    static final int REGION_MMAP_OFFSET = 24;
    static final int REGION_BYTES = 32;

    // payload: device configuration space
    static final int CONFIG_OFFSET = 0;
    static final int CONFIG_SIZE = 4;
    static final int CONFIG_FLAGS = 8;
    static final int CONFIG_DATA = 12;
    static final int CONFIG_MAX = 256;

    final Memory memory = new Memory(HEADER_BYTES + MAX_PAYLOAD);
    /** The whole buffer; header at 0, payload at {@link #HEADER_BYTES}. */
    final ByteBuffer bytes = memory.getByteBuffer(0, memory.size()).order(ByteOrder.LITTLE_ENDIAN);

    int request() {
        return bytes.getInt(REQUEST);
    }

    int flags() {
        return bytes.getInt(FLAGS);
    }

    int size() {
        return bytes.getInt(SIZE);
    }

    long u64() {
        return bytes.getLong(HEADER_BYTES + U64);
    }

    int payloadInt(int offset) {
        return bytes.getInt(HEADER_BYTES + offset);
    }

    long payloadLong(int offset) {
        return bytes.getLong(HEADER_BYTES + offset);
    }

    /** Turns the request in the buffer into its reply header, flags exactly reply plus version. */
    void replyHeader(int payloadSize) {
        bytes.putInt(FLAGS, FLAG_REPLY | VERSION);
        bytes.putInt(SIZE, payloadSize);
    }

    void replyU64(long value) {
        replyHeader(U64_BYTES);
        bytes.putLong(HEADER_BYTES + U64, value);
    }

    static String name(int request) {
        return switch (request) {
            case GET_FEATURES -> "GET_FEATURES";
            case SET_FEATURES -> "SET_FEATURES";
            case SET_OWNER -> "SET_OWNER";
            case RESET_OWNER -> "RESET_OWNER";
            case SET_MEM_TABLE -> "SET_MEM_TABLE";
            case SET_LOG_BASE -> "SET_LOG_BASE";
            case SET_LOG_FD -> "SET_LOG_FD";
            case SET_VRING_NUM -> "SET_VRING_NUM";
            case SET_VRING_ADDR -> "SET_VRING_ADDR";
            case SET_VRING_BASE -> "SET_VRING_BASE";
            case GET_VRING_BASE -> "GET_VRING_BASE";
            case SET_VRING_KICK -> "SET_VRING_KICK";
            case SET_VRING_CALL -> "SET_VRING_CALL";
            case SET_VRING_ERR -> "SET_VRING_ERR";
            case GET_PROTOCOL_FEATURES -> "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES -> "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM -> "GET_QUEUE_NUM";
            case SET_VRING_ENABLE -> "SET_VRING_ENABLE";
            case SET_BACKEND_REQ_FD -> "SET_BACKEND_REQ_FD";
            case GET_CONFIG -> "GET_CONFIG";
            case SET_CONFIG -> "SET_CONFIG";
            default -> "request " + Integer.toUnsignedString(request);
        };
    }
}
