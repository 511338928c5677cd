package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

import org.ubdjava.core.nativeio.DirectMemory;
import org.ubdjava.core.nativeio.MappingBudget;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * A COW file whose bitmap bytes are written through a shared mapping of the bitmap: setting a
 * sector's bit is a store into the page cache rather than a one-byte pwrite (about 0.9 us, and a
 * COW device's first write to a block makes one). Every other operation goes to the file
 * (reads too: the page cache is one, so a read sees the stores).
 *
 * <p>Why this is safe:
 * <ul>
 * <li>A store into a mapped hole allocates its block at fault time, and on a full disk that is a
 *     SIGBUS, not an error: the bitmap's blocks are allocated (fallocate) before the first store,
 *     and where they cannot be the bitmap is written to the file as before, its writes failing
 *     cleanly.</li>
 * <li>Nothing happens to the file before the first bitmap write: the allocation and the mapping
 *     are made then, so a disk attached and only read leaves its COW file's mtime, size and
 *     blocks as they were (a fallocate changes all but the size).</li>
 * <li>Durability is unchanged: on Linux, fdatasync writes back the pages dirtied through a shared
 *     mapping too (they are marked dirty when first stored to), so the device's flush covers them.
 *     Neither way orders the data before the bitmap on disk without a flush, as in the kernel.</li>
 * <li>The mapping is freed at {@link #close} (a mapping keeps a deleted file's blocks), under the
 *     same lock as the stores, so a request racing with a detach gets an error, never a store into
 *     unmapped memory.</li>
 * </ul>
 */
public final class MappedBitmapIo extends ForwardingHostIo {
    private final FileChannel channel;
    private final long start;
    private final long end;
    /** Null until the first bitmap write maps it, and after {@link #close}. */
    private MappedByteBuffer bitmap;
    /** The first bitmap write has tried to map: from then on a null bitmap means the file is written. */
    private boolean tried;
    private boolean closed;

    private MappedBitmapIo(FileChannel channel, HostIo file, long start, long end) {
        super(file);
        this.channel = channel;
        this.start = start;
        this.end = end;
    }

    /**
     * {@code file} with [offset, offset + length) written through a mapping from the first write
     * there on, or {@code file} itself when that cannot be done safely: a file shorter than the
     * bitmap's end (mapping would grow it), a bitmap past 2 GiB. Blocks that cannot be allocated
     * at the first write (no fallocate, a full disk) leave the bitmap written to the file.
     *
     * @param channel the COW file, open for writing (the descriptor {@code file} works on)
     */
    public static HostIo over(FileChannel channel, HostIo file, long offset, long length) {
        if (length <= 0 || length > Integer.MAX_VALUE) {
            return file;
        }
        try {
            if (channel.size() < offset + length) {
                return file;
            }
        } catch (IOException e) {
            return file;
        }
        return new MappedBitmapIo(channel, file, offset, offset + length);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = src.remaining();
        if (position < start || position + n > end) {
            return inner.write(src, position);
        }
        synchronized (this) {
            if (closed) {
                throw new IOException("COW file closed");
            }
            if (!tried) {
                tried = true;
                bitmap = map();
            }
            if (bitmap == null) {
                return inner.write(src, position);
            }
            try {
                bitmap.put((int) (position - start), src, src.position(), n);
            } catch (InternalError e) {
                // the JVM's word for a SIGBUS in a mapped store (the page could not be read in):
                // an I/O error of this request, not the end of the I/O thread
                throw new IOException("the COW file's bitmap could not be stored through its mapping: " + e.getMessage(), e);
            }
        }
        src.position(src.position() + n);
        return n;
    }

    /** The bitmap's blocks allocated, then mapped; null when either fails (the file is written instead). */
    private MappedByteBuffer map() {
        if (!MappingBudget.PROCESS.tryTake()) {
            return null; // the process's mappings are for its other disks and the JVM
        }
        try {
            NativeFiles.allocate(channel, start, end - start);
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_WRITE, start, end - start);
            NativeFiles.adviseRandom(m); // the bitmap's first store must not read in the data area after it
            return m;
        } catch (IOException | RuntimeException e) {
            MappingBudget.PROCESS.giveBack();
            return null;
        }
    }

    @Override
    public synchronized void close() {
        // the file is not this view's to close (it belongs to the device's HostFile): only the mapping
        if (bitmap != null) {
            DirectMemory.free(bitmap);
            MappingBudget.PROCESS.giveBack();
        }
        bitmap = null;
        closed = true;
    }
}
