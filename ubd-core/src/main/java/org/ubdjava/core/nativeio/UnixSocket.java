package org.ubdjava.core.nativeio;

import static org.ubdjava.core.nativeio.SocketAbi.*;

import java.io.IOException;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * One connected unix stream socket that carries descriptors with its bytes (SCM_RIGHTS), which
 * Java's own channels cannot. Not thread-safe: one thread reads, and replies are sent by that
 * same thread.
 */
public final class UnixSocket implements AutoCloseable {
    /** Descriptors one message may carry: a vhost-user memory table's regions at most. */
    public static final int MAX_FDS = 8;

    private final int fd;
    private final Memory msghdr = new Memory(MSGHDR_BYTES);
    private final Memory iov = new Memory(IOVEC_BYTES);
    private final Memory control = new Memory(cmsgSpace(MAX_FDS));
    private boolean closed;

    UnixSocket(int fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /**
     * A listening socket at path, as a descriptor for {@link #accept}. Nothing may be at the path:
     * whether a stale socket there may be replaced is the server's to decide, before it calls this.
     */
    public static int listen(Path path) {
        int s = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        try {
            byte[] a = sockaddrUn(path);
            LibC.bind(s, a, a.length);
            LibC.listen(s, 8);
            return s;
        } catch (LastErrorException | IllegalArgumentException e) {
            LibC.closeQuietly(s);
            throw new UbdException(path + ": cannot listen: "
                    + (e instanceof LastErrorException l ? LibC.describe(l) : e.getMessage()), e);
        }
    }

    public static UnixSocket accept(int listener) {
        return new UnixSocket(LibC.accept4(listener, Pointer.NULL, Pointer.NULL, LibC.SOCK_CLOEXEC));
    }

    public static UnixSocket connect(Path path) throws IOException {
        int s = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        try {
            byte[] a = sockaddrUn(path);
            LibC.connect(s, a, a.length);
            return new UnixSocket(s);
        } catch (LastErrorException e) {
            LibC.closeQuietly(s);
            throw new IOException(path + ": " + LibC.describe(e), e);
        }
    }

    /** A blocking read gives up after this long (a peer that stops mid-message). */
    public void receiveTimeout(long seconds) {
        byte[] t = timeval(seconds);
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, t, t.length);
    }

    /**
     * Reads up to length bytes into buf at offset, and the descriptors that came with them into
     * fds from fdCount on (those beyond the array are closed).
     *
     * @return bytes read (0 at end of stream) in the low 32 bits, the new descriptor count in the high
     */
    public long receive(Pointer buf, long offset, int length, int[] fds, int fdCount) throws IOException {
        msghdr.clear();
        iov.setPointer(IOVEC_BASE, buf.share(offset));
        iov.setLong(IOVEC_LEN, length);
        msghdr.setPointer(MSGHDR_IOV, iov);
        msghdr.setLong(MSGHDR_IOVLEN, 1);
        msghdr.setPointer(MSGHDR_CONTROL, control);
        msghdr.setLong(MSGHDR_CONTROLLEN, control.size());
        long n;
        while (true) {
            try {
                n = LibC.recvmsg(fd, msghdr, LibC.MSG_CMSG_CLOEXEC);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR) {
                    continue;
                }
                if (e.getErrorCode() == LibC.EAGAIN) {
                    throw new IOException("the front-end stopped in the middle of a message");
                }
                throw new IOException(LibC.describe(e), e);
            }
        }
        long controlLength = msghdr.getLong(MSGHDR_CONTROLLEN);
        int count = fdCount;
        long at = 0;
        while (at + CMSG_HEADER_BYTES <= controlLength) {
            long len = control.getLong(at + CMSG_LEN_FIELD);
            if (len < CMSG_HEADER_BYTES || at + len > controlLength) {
                break;
            }
            if (control.getInt(at + CMSG_LEVEL) == LibC.SOL_SOCKET && control.getInt(at + CMSG_TYPE) == LibC.SCM_RIGHTS) {
                for (long p = at + CMSG_DATA; p + 4 <= at + len; p += 4) {
                    int got = control.getInt(p);
                    if (count < fds.length) {
                        fds[count++] = got;
                    } else {
                        LibC.closeQuietly(got);
                    }
                }
            }
            at += (len + 7) & ~7L;
        }
        if ((msghdr.getInt(MSGHDR_FLAGS) & MSG_CTRUNC) != 0) {
            throw new IOException("more descriptors than any message carries (" + MAX_FDS + ")");
        }
        return ((long) count << 32) | n;
    }

    /** Sends length bytes of buf, with the descriptors (may be empty) attached to the first byte. */
    public void send(Pointer buf, int length, int[] fds, int fdCount) throws IOException {
        long off = 0;
        boolean first = true;
        while (off < length) {
            msghdr.clear();
            iov.setPointer(IOVEC_BASE, buf.share(off));
            iov.setLong(IOVEC_LEN, length - off);
            msghdr.setPointer(MSGHDR_IOV, iov);
            msghdr.setLong(MSGHDR_IOVLEN, 1);
            if (first && fdCount > 0) {
                control.clear();
                control.setLong(CMSG_LEN_FIELD, cmsgLen(fdCount));
                control.setInt(CMSG_LEVEL, LibC.SOL_SOCKET);
                control.setInt(CMSG_TYPE, LibC.SCM_RIGHTS);
                for (int i = 0; i < fdCount; i++) {
                    control.setInt(CMSG_DATA + 4L * i, fds[i]);
                }
                msghdr.setPointer(MSGHDR_CONTROL, control);
                msghdr.setLong(MSGHDR_CONTROLLEN, cmsgSpace(fdCount));
            }
            try {
                off += LibC.sendmsg(fd, msghdr, LibC.MSG_NOSIGNAL);
                first = false;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw new IOException(LibC.describe(e), e);
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.closeQuietly(fd);
        }
    }
}
