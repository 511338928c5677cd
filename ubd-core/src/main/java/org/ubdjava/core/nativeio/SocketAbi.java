package org.ubdjava.core.nativeio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The socket structures of the 64-bit Linux ABIs (x86-64, aarch64): struct msghdr, struct iovec,
 * struct cmsghdr (with CMSG_SPACE for descriptors), struct sockaddr_un, struct timeval.
 */
final class SocketAbi {
    static final int MSGHDR_BYTES = 56;
    static final int MSGHDR_NAME = 0;
    static final int MSGHDR_NAMELEN = 8;
    static final int MSGHDR_IOV = 16;
    static final int MSGHDR_IOVLEN = 24;
    static final int MSGHDR_CONTROL = 32;
    static final int MSGHDR_CONTROLLEN = 40;
    static final int MSGHDR_FLAGS = 48;
    /** msg_flags bit: the control buffer was too small, descriptors were dropped. */
    static final int MSG_CTRUNC = 0x8;

    static final int IOVEC_BYTES = 16;
    static final int IOVEC_BASE = 0;
    static final int IOVEC_LEN = 8;

    static final int CMSG_LEN_FIELD = 0;
    static final int CMSG_LEVEL = 8;
    static final int CMSG_TYPE = 12;
    static final int CMSG_DATA = 16;
    static final int CMSG_HEADER_BYTES = 16;

    static final int SOCKADDR_UN_BYTES = 110;
    static final int SUN_PATH = 2;
    static final int SUN_PATH_MAX = 107;

    static final int TIMEVAL_BYTES = 16;

    private SocketAbi() {
    }

    /** CMSG_SPACE(n * sizeof(int)): the header plus the data rounded up to 8 bytes. */
    static int cmsgSpace(int fds) {
        return CMSG_HEADER_BYTES + ((fds * 4 + 7) & ~7);
    }

    /** CMSG_LEN(n * sizeof(int)). */
    static int cmsgLen(int fds) {
        return CMSG_HEADER_BYTES + fds * 4;
    }

    static byte[] sockaddrUn(Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > SUN_PATH_MAX) {
            throw new IllegalArgumentException(path + ": a unix socket path is at most " + SUN_PATH_MAX + " bytes");
        }
        byte[] a = new byte[SOCKADDR_UN_BYTES];
        a[0] = (byte) LibC.AF_UNIX; // sun_family, little-endian u16
        System.arraycopy(p, 0, a, SUN_PATH, p.length);
        return a;
    }

    /** struct timeval {tv_sec, tv_usec}, native (little-endian) order. */
    static byte[] timeval(long seconds) {
        byte[] t = new byte[TIMEVAL_BYTES];
        for (int i = 0; i < 8; i++) {
            t[i] = (byte) (seconds >>> (8 * i));
        }
        return t;
    }
}
