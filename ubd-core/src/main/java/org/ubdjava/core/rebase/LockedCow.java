package org.ubdjava.core.rebase;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.ContentId;
import org.ubdjava.core.format.ContentIdLayout;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.format.HeaderLayout;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.nativeio.FileUse;
import org.ubdjava.core.nativeio.PosixLocks;

/**
 * A COW file opened for a header rewrite: refused while another process uses it, then
 * write-locked the kernel's way for as long as it is open (a UML or {@code ubd serve} starting
 * meanwhile fails to lock it). One descriptor only: closing any other descriptor of the file in
 * this process would drop the lock, so nothing else here opens it.
 */
final class LockedCow implements Closeable {
    final Path path;
    final FileChannel channel;
    final CowHeader header;

    private LockedCow(Path path, FileChannel channel, CowHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /** @param doing what the refusal says is not done, e.g. "not rebasing it" */
    static LockedCow open(Path cow, String doing) {
        RegularFiles.require(cow, CowFile.ROLE);
        // before our own open: the probe's lease is refused while any other descriptor is open, ours too
        FileUse.holder(cow).ifPresent(why -> {
            throw new UbdException(cow + ": " + why + "; " + doing);
        });
        FileChannel ch;
        try {
            ch = FileChannel.open(cow, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UbdException(cow + ": " + CowPaths.describe(e), e);
        }
        try {
            if (PosixLocks.tryLock(ch, true) != 0) {
                int pid = PosixLocks.conflictingOwner(ch, true);
                throw new UbdException(cow + ": locked by " + (pid > 0 ? "pid " + pid : "another process")
                        + " (a running UML or ubd serve?); " + doing);
            }
            return new LockedCow(cow, ch, CowHeaderReader.read(ch, cow.toString()));
        } catch (IOException e) {
            Cleanup.closeQuietly(ch);
            throw new UbdException(cow + ": cannot read: " + CowPaths.describe(e), e);
        } catch (RuntimeException e) {
            Cleanup.closeQuietly(ch);
            throw e;
        }
    }

    /**
     * The bytes a header switch writes: the file's own header with the new path, mtime and size in
     * its own layout and, with {@code id} (if not null), the content-id record; cut to the bytes
     * that change. Every byte in between is the file's own, so the one write changes only those
     * fields; and it is short: for a v3 or v1 header and a path of a few hundred bytes it lies in
     * the file's first 512-byte sector, which a disk writes whole or not at all. (A v2 header keeps
     * its mtime and size after the path, 4 KiB further: a torn write there leaves a path and an
     * mtime of different files, which the kernel refuses rather than misreads. A record written
     * with a header lies in the next page: a tear leaves the id stale, never the data wrong.)
     * Checked by reading it back as a header: same layout, same data offset.
     *
     * @return the bytes from the file's start, positioned and limited to the range to write; empty when nothing changes
     */
    ByteBuffer switchedHeader(String absolutePath, long storedMtime, long size, ContentId id) throws IOException {
        HeaderLayout layout = header.layout();
        int length = id == null ? layout.headerSize() : Math.max(layout.headerSize(), ContentIdLayout.END);
        ByteBuffer buf = ByteBuffer.allocate(length);
        Buffers.readOrZeros(channel, buf, 0);
        buf.flip();
        byte[] before = buf.array().clone();
        layout.putBacking(buf, absolutePath, storedMtime, size);
        if (id != null) {
            ContentIdLayout.put(buf, id);
        }
        CowHeader written = CowHeaderReader.decode(buf.duplicate());
        if (written.layout() != layout || written.geometry().dataOffset() != header.geometry().dataOffset()) {
            throw new IllegalStateException(path + ": a switched header would read as " + written.layout() + " with data at "
                    + written.geometry().dataOffset() + ", not " + layout + " with data at " + header.geometry().dataOffset());
        }
        byte[] after = buf.array();
        int first = Arrays.mismatch(before, after);
        if (first < 0) {
            return buf.limit(0);
        }
        int last = after.length - 1;
        while (before[last] == after[last]) {
            last--;
        }
        if (first < HeaderLayout.SWITCH_START) {
            throw new IllegalStateException(path + ": a switch would change byte " + first + " (magic or version)");
        }
        return buf.limit(last + 1).position(first);
    }

    /** The header switch: one write, then a sync (nothing when the header already says so). */
    void switchHeader(CowWriter writer, String absolutePath, long storedMtime, long size, ContentId id) throws IOException {
        ByteBuffer buf = switchedHeader(absolutePath, storedMtime, size, id);
        if (!buf.hasRemaining()) {
            return;
        }
        writer.write(buf, buf.position());
        writer.sync();
    }

    @Override
    public void close() {
        Cleanup.closeQuietly(channel);
    }
}
