package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.ubdjava.core.nativeio.DataMap;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * A backing file read with O_DIRECT, bypassing the host's page cache: what a backing file on
 * network or shared storage costs, where the host cannot keep it warm and a cache of our own is
 * what saves the reads. O_DIRECT wants the offset, the length and the memory aligned to the
 * device's block, so each read goes through a 4 KiB-aligned bounce buffer (one per I/O thread,
 * grown rarely, never per request) covering the 4 KiB blocks the request touches; past the end
 * of the file it reads zeros, as {@link FileDevice} does. Read-only, with its own descriptor,
 * closed with the device (the lock stays on the descriptor the device's files hold).
 */
public final class DirectBackingDevice implements BackingDevice {
    static final int ALIGN = 4096;

    private final Path path;
    private final FileChannel file;
    private final long size;
    private final ThreadLocal<ByteBuffer> bounce = ThreadLocal.withInitial(() -> aligned(64 * 1024));

    private DirectBackingDevice(Path path, FileChannel file, long size) {
        this.path = path;
        this.file = file;
        this.size = size;
    }

    /**
     * Opens {@code path} for direct reads, as a device of {@code size} bytes.
     *
     * @throws IOException naming the file when its file system refuses O_DIRECT (tmpfs does)
     */
    public static DirectBackingDevice open(Path path, long size) throws IOException {
        try {
            return new DirectBackingDevice(path, FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT), size);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException(path + ": cannot open for direct reads (O_DIRECT): " + e.getMessage(), e);
        }
    }

    private static ByteBuffer aligned(int bytes) {
        return ByteBuffer.allocateDirect(bytes + ALIGN).alignedSlice(ALIGN);
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long size() {
        return size;
    }

    /** The file's data and holes, as {@link FileDevice} reports them; past its end, a hole. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        ExtentSink.fromFile(DataMap.of(file), 0, offset, length, sink);
    }

    /** Nothing below caches a direct read: the cache above this device is the one to fill. */
    @Override
    public void prefetch(long offset, long length) {
        // nothing to do
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        if (n == 0) {
            return;
        }
        long first = offset & -ALIGN;
        long end = (offset + n + ALIGN - 1) & -ALIGN;
        int span = (int) (end - first);
        ByteBuffer b = bounce.get();
        if (b.capacity() < span) {
            b = aligned(Integer.highestOneBit(span - 1) << 1);
            bounce.set(b);
        }
        b.clear().limit(span);
        long pos = first;
        while (b.hasRemaining()) {
            int got = file.read(b, pos);
            if (got <= 0) {
                break; // the end of the file: a short read, the rest reads as zeros
            }
            pos += got;
            if ((got & (ALIGN - 1)) != 0) {
                break; // only the file's last block is short
            }
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        dst.put(dst.position(), b, (int) (offset - first), n);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
