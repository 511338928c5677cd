package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

import org.ubdjava.core.nativeio.DirectMemory;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * A COW file whose bitmap bytes are written through a shared mapping of the bitmap: setting a
 * sector's bit becomes a store into the page cache where it was a one-byte pwrite (about 0.9 us,
 * and a COW device's first write to a block makes one). Every other operation goes to the file
 * (reads too: the page cache is one, so a read sees the stores).
 *
 * <p>Why this is safe:
 * <ul>
 * <li>A store into a mapped hole allocates its block at fault time, and on a full disk that is a
 *     SIGBUS, not an error: the bitmap's blocks are allocated (fallocate) before it is mapped, and
 *     where they cannot be the file is used as before, its writes failing cleanly.</li>
 * <li>Durability is unchanged: on Linux, fdatasync writes back the pages dirtied through a shared
 *     mapping too (they are marked dirty when first stored to), so the device's flush covers them.
 *     Neither way orders the data before the bitmap on disk without a flush, as in the kernel.</li>
 * <li>The mapping is freed at {@link #close} (a mapping keeps a deleted file's blocks), under the
 *     same lock as the stores, so a request racing with a detach gets an error, never a store into
 *     unmapped memory.</li>
 * </ul>
 */
final class MappedBitmapIo extends ForwardingHostIo {
    private final long start;
    private final long end;
    private MappedByteBuffer bitmap;

    private MappedBitmapIo(HostIo file, long start, long end, MappedByteBuffer bitmap) {
        super(file);
        this.start = start;
        this.end = end;
        this.bitmap = bitmap;
    }

    /**
     * {@code file} with [offset, offset + length) written through a mapping, or {@code file} itself
     * when that cannot be done safely: a file shorter than the bitmap's end (mapping would grow it),
     * blocks that cannot be allocated (no fallocate, a full disk), a bitmap past 2 GiB.
     *
     * @param channel the COW file, open for writing (the descriptor {@code file} works on)
     */
    static HostIo over(FileChannel channel, HostIo file, long offset, long length) {
        if (length <= 0 || length > Integer.MAX_VALUE) {
            return file;
        }
        try {
            if (channel.size() < offset + length) {
                return file;
            }
            NativeFiles.allocate(channel, offset, length);
            MappedByteBuffer bitmap = channel.map(FileChannel.MapMode.READ_WRITE, offset, length);
            NativeFiles.adviseRandom(bitmap); // the bitmap's first store must not read in the data area after it
            return new MappedBitmapIo(file, offset, offset + length, bitmap);
        } catch (IOException | RuntimeException e) {
            return file;
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = src.remaining();
        if (position < start || position + n > end) {
            return inner.write(src, position);
        }
        synchronized (this) {
            if (bitmap == null) {
                throw new IOException("COW file closed");
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

    @Override
    public synchronized void close() {
        // the file is not this view's to close (it belongs to the device's HostFile): only the mapping
        DirectMemory.free(bitmap);
        bitmap = null;
    }
}
