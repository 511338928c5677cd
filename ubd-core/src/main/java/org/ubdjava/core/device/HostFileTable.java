package org.ubdjava.core.device;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.nativeio.PosixLocks;

/**
 * The host files this process has open for devices, by identity (device and inode).
 *
 * <p>Two things the kernel gets from running one UML per process need doing by hand when many
 * devices live in one process: POSIX locks never conflict within a process, so this table refuses
 * a second writer (or a writer beside readers) of the same file itself, with the kernel's locking
 * messages; and closing any descriptor of a file drops the process's lock on it, so readers of the
 * same backing file share one descriptor, closed with the last of them.
 */
public final class HostFileTable {
    /** The table of this process. */
    public static final HostFileTable PROCESS = new HostFileTable();

    public record FileKey(Object dev, Object ino) {
        static FileKey of(Path p) throws IOException {
            return new FileKey(Files.getAttribute(p, "unix:dev"), Files.getAttribute(p, "unix:ino"));
        }
    }

    private final Map<FileKey, Entry> open = new HashMap<>();

    HostFileTable() {
    }

    /**
     * Opens (or shares) a host file for a device, locked unless {@link OpenMode#shared}.
     *
     * @throws OpenFailure carrying the errno, after printing the kernel's messages
     */
    synchronized HostFile open(Path path, OpenMode mode, KernelLog log) throws OpenFailure {
        boolean write = mode.write();
        boolean sync = mode.sync();
        boolean shared = mode.shared();
        FileKey key;
        try {
            key = FileKey.of(path);
        } catch (IOException e) {
            throw new OpenFailure(Errno.of(e), CowPaths.describe(e));
        }
        // decided before any open: opening and closing a second descriptor would drop our own lock
        Entry existing = shared ? null : open.get(key);
        if (existing != null) {
            if (!write && !existing.writable()) {
                existing.users++;
                return new HostFile(path, existing);
            }
            refuse(path, ProcessHandle.current().pid(), Errno.EAGAIN, log);
        }
        FileChannel ch;
        boolean writable = write;
        try {
            ch = FileChannel.open(path, options(writable, sync));
        } catch (IOException e) {
            int errno = Errno.of(e);
            if (!(writable && mode.readOnlyFallback() && (errno == Errno.EROFS || errno == Errno.EACCES))) {
                throw new OpenFailure(errno, CowPaths.describe(e));
            }
            writable = false;
            try {
                ch = FileChannel.open(path, options(false, sync));
            } catch (IOException e2) {
                throw new OpenFailure(Errno.of(e2), CowPaths.describe(e2));
            }
        }
        if (shared) {
            log.print("Not locking \"" + path + "\" on the host");
            return new HostFile(path, new Entry(this, key, ch, writable, false, false));
        }
        int rc = PosixLocks.tryLock(ch, writable);
        if (rc != 0) {
            int owner = PosixLocks.conflictingOwner(ch, writable);
            Cleanup.closeQuietly(ch);
            refuse(path, owner, rc, log);
        }
        Entry e = new Entry(this, key, ch, writable, true, true);
        open.put(key, e);
        return new HostFile(path, e);
    }

    /** A reading of a file that may be open here: through our descriptor if so, never closing one of its own. */
    public synchronized <T> T read(Path path, IoFunction<FileChannel, T> reader) throws IOException {
        Entry e = open.get(FileKey.of(path));
        if (e != null) {
            return reader.apply(e.channel());
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return reader.apply(ch);
        }
    }

    @FunctionalInterface
    public interface IoFunction<A, R> {
        R apply(A a) throws IOException;
    }

    private static void refuse(Path path, long owner, int errno, KernelLog log) throws OpenFailure {
        log.print("F_SETLK failed, file already locked by pid " + owner);
        log.print("Failed to lock '" + path + "', err = " + errno);
        throw new OpenFailure(errno, owner == ProcessHandle.current().pid() ? "in use by another device of this process"
                : owner > 0 ? "locked by pid " + owner + " (a running UML or ubd serve?)" : "locked by another process");
    }

    private static Set<OpenOption> options(boolean write, boolean sync) {
        Set<OpenOption> o = new HashSet<>();
        o.add(StandardOpenOption.READ);
        if (write) {
            o.add(StandardOpenOption.WRITE);
        }
        if (sync) {
            o.add(StandardOpenOption.SYNC);
        }
        return o;
    }

    private synchronized void release(Entry e) {
        if (--e.users > 0) {
            return;
        }
        if (e.tracked) {
            open.remove(e.key, e);
        }
        if (e.locked) {
            PosixLocks.unlock(e.channel);
        }
        Cleanup.closeQuietly(e.channel); // nothing was written through it that a close could lose
    }

    /** An open descriptor and how many devices use it. */
    static final class Entry {
        private final HostFileTable table;
        private final FileKey key;
        private final FileChannel channel;
        private final boolean writable;
        private final boolean locked;
        private final boolean tracked;
        private int users = 1;

        Entry(HostFileTable table, FileKey key, FileChannel channel, boolean writable, boolean locked, boolean tracked) {
            this.table = table;
            this.key = key;
            this.channel = channel;
            this.writable = writable;
            this.locked = locked;
            this.tracked = tracked;
        }

        FileKey key() {
            return key;
        }

        FileChannel channel() {
            return channel;
        }

        boolean writable() {
            return writable;
        }

        boolean locked() {
            return locked;
        }

        void release() {
            table.release(this);
        }
    }

    /**
     * An open failed with this errno; the kernel's messages were printed already. {@link #problem}
     * says what is wrong for the user: from this table it names no file (the opener knows whether
     * it is the image or the backing file, see {@link #about}); from the opener it is the whole line.
     */
    static final class OpenFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;
        final String problem;

        OpenFailure(int errno, String problem) {
            super(null, null, false, false);
            this.errno = errno;
            this.problem = problem;
        }

        /** The same failure, its problem preceded by what failed: "cow.img: locked by pid 12 (...)". */
        OpenFailure about(String what) {
            return new OpenFailure(errno, what + ": " + problem);
        }
    }
}
