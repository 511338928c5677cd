package org.ubdjava.export.nbd;

/**
 * Wire constants of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md), fixed newstyle only.
 * Every number is big-endian on the wire; names are the document's own, so a reader can look them up.
 */
final class NbdProtocol {
    private NbdProtocol() {
    }

    // --- handshake -----------------------------------------------------------------------------
    /** "NBDMAGIC": first eight bytes the server sends. */
    static final long NBDMAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": second eight bytes, and the prefix of every option the client sends. */
    static final long IHAVEOPT = 0x49484156454F5054L;
    /** Prefix of every option reply. */
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

    static final int NBD_FLAG_FIXED_NEWSTYLE = 1;
    static final int NBD_FLAG_NO_ZEROES = 1 << 1;
    static final int NBD_FLAG_C_FIXED_NEWSTYLE = 1;
    static final int NBD_FLAG_C_NO_ZEROES = 1 << 1;
    static final int KNOWN_CLIENT_FLAGS = NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES;

    /** Reserved bytes after NBD_OPT_EXPORT_NAME's reply unless the client asked for NO_ZEROES. */
    static final int EXPORT_NAME_ZEROES = 124;

    static final int NBD_OPT_EXPORT_NAME = 1;
    static final int NBD_OPT_ABORT = 2;
    static final int NBD_OPT_LIST = 3;
    static final int NBD_OPT_INFO = 6;
    static final int NBD_OPT_GO = 7;
    static final int NBD_OPT_STRUCTURED_REPLY = 8;
    static final int NBD_OPT_LIST_META_CONTEXT = 9;
    static final int NBD_OPT_SET_META_CONTEXT = 10;

    static final int NBD_REP_ACK = 1;
    static final int NBD_REP_SERVER = 2;
    static final int NBD_REP_INFO = 3;
    static final int NBD_REP_META_CONTEXT = 4;
    /** Error replies have bit 31 set. */
    static final int NBD_REP_ERR_UNSUP = 0x80000001;
    static final int NBD_REP_ERR_INVALID = 0x80000003;
    static final int NBD_REP_ERR_UNKNOWN = 0x80000006;
    static final int NBD_REP_ERR_SHUTDOWN = 0x80000007;

    static final int NBD_INFO_EXPORT = 0;
    static final int NBD_INFO_NAME = 1;
    static final int NBD_INFO_DESCRIPTION = 2;
    static final int NBD_INFO_BLOCK_SIZE = 3;

    /** Strings (names, messages) MUST be no longer than this. */
    static final int MAX_STRING = 4096;

    /** The one metadata context the protocol defines; the only one served. */
    static final String BASE_ALLOCATION = "base:allocation";
    /** Its namespace: a LIST_META_CONTEXT query of just this lists every context in it. */
    static final String BASE_NAMESPACE = "base:";
    /** The id we give base:allocation in NBD_REP_META_CONTEXT and block status replies (ours to choose). */
    static final int BASE_ALLOCATION_ID = 1;
    /** base:allocation status flags. */
    static final int NBD_STATE_HOLE = 1;
    static final int NBD_STATE_ZERO = 1 << 1;

    // --- transmission flags (16 bits, per export) ------------------------------------------------
    static final int NBD_FLAG_HAS_FLAGS = 1;
    static final int NBD_FLAG_READ_ONLY = 1 << 1;
    static final int NBD_FLAG_SEND_FLUSH = 1 << 2;
    static final int NBD_FLAG_SEND_FUA = 1 << 3;
    static final int NBD_FLAG_SEND_TRIM = 1 << 5;
    static final int NBD_FLAG_SEND_WRITE_ZEROES = 1 << 6;
    static final int NBD_FLAG_SEND_DF = 1 << 7;
    static final int NBD_FLAG_CAN_MULTI_CONN = 1 << 8;
    static final int NBD_FLAG_SEND_CACHE = 1 << 10;
    static final int NBD_FLAG_SEND_FAST_ZERO = 1 << 11;

    // --- transmission ------------------------------------------------------------------------------
    static final int NBD_REQUEST_MAGIC = 0x25609513;
    static final int NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    /** magic 4, flags 2, type 2, handle 8, offset 8, length 4. */
    static final int REQUEST_HEADER_BYTES = 28;
    /** magic 4, error 4, handle 8. */
    static final int SIMPLE_REPLY_BYTES = 16;
    /** magic 4, flags 2, type 2, handle 8, length 4. */
    static final int CHUNK_HEADER_BYTES = 20;

    static final int NBD_CMD_READ = 0;
    static final int NBD_CMD_WRITE = 1;
    static final int NBD_CMD_DISC = 2;
    static final int NBD_CMD_FLUSH = 3;
    static final int NBD_CMD_TRIM = 4;
    static final int NBD_CMD_CACHE = 5;
    static final int NBD_CMD_WRITE_ZEROES = 6;
    static final int NBD_CMD_BLOCK_STATUS = 7;

    static final int NBD_CMD_FLAG_FUA = 1;
    static final int NBD_CMD_FLAG_NO_HOLE = 1 << 1;
    static final int NBD_CMD_FLAG_DF = 1 << 2;
    static final int NBD_CMD_FLAG_REQ_ONE = 1 << 3;
    static final int NBD_CMD_FLAG_FAST_ZERO = 1 << 4;

    static final int NBD_REPLY_FLAG_DONE = 1;
    static final int NBD_REPLY_TYPE_NONE = 0;
    static final int NBD_REPLY_TYPE_OFFSET_DATA = 1;
    static final int NBD_REPLY_TYPE_BLOCK_STATUS = 5;
    static final int NBD_REPLY_TYPE_ERROR = (1 << 15) + 1;

    // --- error values (the reply's error field) ------------------------------------------------------
    static final int NBD_OK = 0;
    static final int NBD_EPERM = 1;
    static final int NBD_EIO = 5;
    static final int NBD_EINVAL = 22;
    static final int NBD_ENOSPC = 28;
    /** Only for a WRITE_ZEROES with FAST_ZERO that would not be fast. */
    static final int NBD_ENOTSUP = 95;
    static final int NBD_ESHUTDOWN = 108;

    // --- this server's size constraints ------------------------------------------------------------------
    /** The driver takes whole 512-byte sectors: advertised as the minimum block size, enforced with EINVAL. */
    static final int MIN_BLOCK = 512;
    /** COW bitmap bytes cover 8 sectors; page-sized requests avoid read-modify-write in the host's page cache. */
    static final int PREFERRED_BLOCK = 4096;
    /** Largest READ or WRITE payload; the protocol's default maximum, so clients that never ask stay within it. */
    static final int MAX_PAYLOAD = 32 << 20;
    /**
     * Most block status descriptors in one reply (more than the 16 the protocol lets a server stop
     * at): a reply covers less than asked beyond this, and the client asks again from where it ends.
     */
    static final int MAX_DESCRIPTORS = 2048;
    /** Block status payload: context id 4, then descriptors of length 4 and status flags 4. */
    static final int BLOCK_STATUS_HEADER_BYTES = 4;
    static final int DESCRIPTOR_BYTES = 8;
}
