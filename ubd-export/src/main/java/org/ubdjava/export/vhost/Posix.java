package org.ubdjava.export.vhost;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls a vhost-user back-end needs and Java lacks: unix sockets that pass descriptors
 * (SCM_RIGHTS), shared mappings of the guest's memory, eventfds and poll. JNA direct mapping (no
 * per-call reflection); each call throws {@link LastErrorException} carrying errno on failure.
 */
final class Posix {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int MSG_NOSIGNAL = 0x4000;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;

    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final int SEEK_END = 2;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int EINTR = 4;
    static final int EAGAIN = 11;

    static {
        if (!Platform.isLinux() || !Platform.is64Bit()) {
            throw new UnsupportedOperationException("the vhost-user back-end needs 64-bit Linux");
        }
        Native.register(Posix.class, Platform.C_LIBRARY_NAME);
    }

    private Posix() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

    static native int bind(int fd, byte[] address, int length) throws LastErrorException;

    static native int connect(int fd, byte[] address, int length) throws LastErrorException;

    static native int listen(int fd, int backlog) throws LastErrorException;

    static native int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

    static native long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    static native long sendmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

    static native long write(int fd, Pointer buffer, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    static native int munmap(Pointer address, long length) throws LastErrorException;

    static native int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

    static native int eventfd(int initial, int flags) throws LastErrorException;

    static native int fcntl(int fd, int command, int argument) throws LastErrorException;

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native int memfd_create(String name, int flags) throws LastErrorException;

    /** Closes a descriptor we own, ignoring failure (it is gone either way). */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (LastErrorException ignored) {
                // EBADF/EIO at close: nothing left to do
            }
        }
    }

    /** The message of an errno, e.g. "Connection reset by peer". */
    static String describe(LastErrorException e) {
        String m = e.getMessage();
        int bracket = m == null ? -1 : m.indexOf(']');
        return bracket >= 0 ? m.substring(bracket + 1).strip() : String.valueOf(m);
    }
}
