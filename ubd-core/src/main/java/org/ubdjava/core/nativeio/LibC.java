package org.ubdjava.core.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls Java lacks, bound with JNA direct mapping (no per-call reflection).
 * Every call throws {@link LastErrorException} carrying errno on failure.
 */
final class LibC {
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

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

    /** Returns the error number instead of setting errno, as POSIX specifies. */
    static native int posix_fadvise(int fd, long offset, long len, int advice);

    static native int fstat(int fd, byte[] statBuf) throws LastErrorException;

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
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENOLCK = 37;
    /** Ignored unless handled: what a lease break signals instead of SIGIO, which would end the JVM. */
    static final int SIGURG = 23;

    static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    static final int O_RDONLY = 0;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int fdatasync(int fd) throws LastErrorException;

    static final int MADV_RANDOM = 1;

    static native int madvise(Pointer addr, long length, int advice) throws LastErrorException;

    static native int getpagesize();
}
