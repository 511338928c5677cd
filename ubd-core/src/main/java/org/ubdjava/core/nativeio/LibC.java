package org.ubdjava.core.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The project's one binding of libc: the calls Java lacks, bound with JNA direct mapping (no
 * per-call reflection). Every call throws {@link LastErrorException} carrying errno on failure.
 *
 * <p>The file calls stay package-private: {@link NativeFiles}, {@link PosixLocks} and {@link FileUse}
 * reach them and say what a failure means. The descriptor, socket, eventfd and mapping calls are
 * public: the vhost-user back-end shares guest memory and wakes its guest through them, and its
 * wire tests play the guest with the same calls ({@code memfd_create}, {@code socketpair}).
 */
public final class LibC {
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int ENXIO = 6;
    static final int EOPNOTSUPP = 95;
    static final int ENOSYS = 38;
    static final int ENOSPC = 28;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    static final int POSIX_FADV_SEQUENTIAL = 2;
    static final int POSIX_FADV_WILLNEED = 3;
    static final int POSIX_FADV_DONTNEED = 4;

    /** Size of glibc's struct stat on the 64-bit Linux ABIs we run on (x86-64, aarch64). */
    static final int STAT_STRUCT_SIZE = 144;
    /** Offset of st_blocks (512-byte units) in that struct: 64 on both x86-64 and aarch64. */
    static final int STAT_ST_BLOCKS = 64;

    static {
        if (!Platform.isLinux() || !Platform.is64Bit()) {
            throw new UnsupportedOperationException("ubd-java needs 64-bit Linux (got " + System.getProperty("os.name") + ")");
        }
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    public static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int setpriority(int which, int who, int prio) throws LastErrorException;

    static native int getpriority(int which, int who) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

    /** Returns the error number instead of setting errno, as POSIX specifies. */
    static native int posix_fadvise(int fd, long offset, long len, int advice);

    static native int fstat(int fd, byte[] statBuf) throws LastErrorException;

    /** sync_file_range(2)'s flag that starts writeback of the range's dirty pages and returns without waiting for it. */
    static final int SYNC_FILE_RANGE_WRITE = 2;

    static native int sync_file_range(int fd, long offset, long nbytes, int flags) throws LastErrorException;

    static final int F_GETLK = 5;
    static final int F_SETLK = 6;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    /** struct flock on the 64-bit Linux ABIs: l_type, l_whence (shorts), l_start, l_len (off_t), l_pid. */
    static final int FLOCK_SIZE = 32;
    static final int FLOCK_TYPE = 0;
    static final int FLOCK_WHENCE = 2;
    static final int FLOCK_START = 8;
    static final int FLOCK_LEN = 16;
    static final int FLOCK_PID = 24;

    static native int fcntl(int fd, int cmd, byte[] flock) throws LastErrorException;

    static final int F_SETSIG = 10;
    static final int F_SETLEASE = 1024;
    public static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENOLCK = 37;
    /** Ignored unless handled: what a lease break signals instead of SIGIO, which would end the JVM. */
    static final int SIGURG = 23;

    public static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    static final int O_RDONLY = 0;
    static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;

    static native int open(String path, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    static final int MADV_RANDOM = 1;

    static native int madvise(Pointer addr, long length, int advice) throws LastErrorException;

    static native int getpagesize();

    // descriptors

    public static final int EINTR = 4;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int SEEK_END = 2;

    public static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

    public static native long write(int fd, Pointer buffer, long count) throws LastErrorException;

    public static native int ftruncate(int fd, long length) throws LastErrorException;

    public static final int MFD_CLOEXEC = 1;

    public static native int memfd_create(String name, int flags) throws LastErrorException;

    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    public static native int eventfd(int initial, int flags) throws LastErrorException;

    public static final short POLLIN = 0x1;

    /** fds: an array of struct pollfd ({@link PollSet} lays it out). */
    static native int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

    // shared mappings

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;

    public static native Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    public static native int munmap(Pointer address, long length) throws LastErrorException;

    // unix sockets ({@link UnixSocket} lays out their structures)

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int MSG_NOSIGNAL = 0x4000;

    public static native int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] address, int length) throws LastErrorException;

    static native int connect(int fd, byte[] address, int length) throws LastErrorException;

    static native int listen(int fd, int backlog) throws LastErrorException;

    static native int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

    static native long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    static native long sendmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    /** Closes a descriptor we own, ignoring failure (it is gone either way). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (LastErrorException ignored) {
                // EBADF/EIO at close: nothing left to do
            }
        }
    }

    /** The message of an errno, e.g. "Connection reset by peer". */
    public static String describe(LastErrorException e) {
        String m = e.getMessage();
        int bracket = m == null ? -1 : m.indexOf(']');
        return bracket >= 0 ? m.substring(bracket + 1).strip() : String.valueOf(m);
    }
}
