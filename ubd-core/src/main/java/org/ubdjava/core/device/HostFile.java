package org.ubdjava.core.device;

import java.io.Closeable;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One device's use of a host file. Devices reading the same backing file share one descriptor
 * (see {@link HostFileTable}); closing this releases the use, and the descriptor goes when the
 * last use does.
 */
public final class HostFile implements Closeable {
    private final Path path;
    private final HostFileTable.Entry entry;
    private boolean closed;

    HostFile(Path path, HostFileTable.Entry entry) {
        this.path = path;
        this.entry = entry;
    }

    public Path path() {
        return path;
    }

    public FileChannel channel() {
        return entry.channel();
    }

    /** Opened for writing (the lock, if any, is then a write lock). */
    public boolean writable() {
        return entry.writable();
    }

    /** A POSIX lock is held: not with the 'c' flag. */
    public boolean locked() {
        return entry.locked();
    }

    /** Device number and inode: the file's identity, whatever path named it. */
    public HostFileTable.FileKey key() {
        return entry.key();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            entry.release();
        }
    }
}
