package org.ubdjava.export.nbd;

/**
 * The NBD protocol's numbers as the specification (NetworkBlockDevice proto.md) writes them,
 * spelled here apart from the server's {@code NbdProtocol}: a wrong magic or opcode on the
 * server's side then fails the wire tests instead of passing them with the same mistake.
 */
public final class NbdWireSpec {
    private NbdWireSpec() {
    }

    // Handshake: "NBDMAGIC", "IHAVEOPT", and the option reply magic
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454f5054L;
    public static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;

    // Client flags
    public static final int NBD_FLAG_C_FIXED_NEWSTYLE = 0x1;
    public static final int NBD_FLAG_C_NO_ZEROES = 0x2;

    // Options
    public static final int NBD_OPT_EXPORT_NAME = 1;
    public static final int NBD_OPT_ABORT = 2;
    public static final int NBD_OPT_LIST = 3;
    public static final int NBD_OPT_INFO = 6;
    public static final int NBD_OPT_GO = 7;
    public static final int NBD_OPT_STRUCTURED_REPLY = 8;
    public static final int NBD_OPT_LIST_META_CONTEXT = 9;
    public static final int NBD_OPT_SET_META_CONTEXT = 10;

    // Option reply types
    public static final int NBD_REP_ACK = 1;
    public static final int NBD_REP_SERVER = 2;
    public static final int NBD_REP_INFO = 3;
    public static final int NBD_REP_ERR_UNSUP = 0x80000001;
    public static final int NBD_REP_ERR_INVALID = 0x80000003;
    public static final int NBD_REP_ERR_UNKNOWN = 0x80000006;

    public static final int NBD_INFO_BLOCK_SIZE = 3;

    public static final String BASE_NAMESPACE = "base:";
    public static final String BASE_ALLOCATION = "base:allocation";

    // Transmission flags
    public static final int NBD_FLAG_READ_ONLY = 0x0002;
    public static final int NBD_FLAG_SEND_FUA = 0x0008;
    public static final int NBD_FLAG_SEND_TRIM = 0x0020;

    // Transmission: request and simple reply
    public static final int NBD_REQUEST_MAGIC = 0x25609513;
    public static final int NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
    /** magic 4, flags 2, type 2, cookie 8, offset 8, length 4 */
    public static final int REQUEST_HEADER_BYTES = 28;
    /** magic 4, error 4, cookie 8 */
    public static final int SIMPLE_REPLY_BYTES = 16;

    public static final int NBD_CMD_READ = 0;
    public static final int NBD_CMD_WRITE = 1;
    public static final int NBD_CMD_DISC = 2;
    public static final int NBD_CMD_FLUSH = 3;
    public static final int NBD_CMD_TRIM = 4;
    public static final int NBD_CMD_CACHE = 5;
    public static final int NBD_CMD_WRITE_ZEROES = 6;
    public static final int NBD_CMD_BLOCK_STATUS = 7;

    public static final int NBD_CMD_FLAG_FUA = 0x1;
    public static final int NBD_CMD_FLAG_DF = 0x4;
    public static final int NBD_CMD_FLAG_FAST_ZERO = 0x10;

    // Errors: the specification's values, which are Linux's errno numbers
    public static final int NBD_OK = 0;
    public static final int NBD_EPERM = 1;
    public static final int NBD_EIO = 5;
    public static final int NBD_EINVAL = 22;
    public static final int NBD_ENOSPC = 28;
    public static final int NBD_ENOTSUP = 95;
}
