package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.NotSupportedException;

/**
 * A host file as a device, starting at {@code base} in the file: a raw image (base 0) or the data
 * area of a COW file (base = data offset). Reads past the end of the file return zeros: the tail of
 * a backing file whose size is not a multiple of 512, or COW sectors never written (the kernel's B3
 * bug repeats data there instead).
 */
public final class FileDevice implements BlockDevice {
    /** The zeros a write-zeroes writes where the file system cannot make them with fallocate. */
    private static final int ZERO_CHUNK = 64 << 10;

    private final HostIo file;
    private final long base;
    private final long size;
    private final boolean readOnly;
    private final boolean synchronous;
    private ByteBuffer zeros;

    public FileDevice(HostIo file, long base, long size, boolean readOnly) {
        this(file, base, size, readOnly, false);
    }

    /** @param synchronous the file is open with O_SYNC ('s'): every write is durable when it returns */
    public FileDevice(HostIo file, long base, long size, boolean readOnly, boolean synchronous) {
        this.file = file;
        this.base = base;
        this.size = size;
        this.readOnly = readOnly;
        this.synchronous = synchronous;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** fallocate, where the file system has it: no data written. */
    @Override
    public boolean fastZero() {
        return !readOnly;
    }

    @Override
    public Durability durability() {
        return readOnly ? Durability.NOTHING_WRITTEN : synchronous ? Durability.ON_WRITE : Durability.ON_FLUSH;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        long pos = base + offset;
        try {
            while (dst.hasRemaining()) {
                int n = file.read(dst, pos);
                if (n < 0) {
                    while (dst.hasRemaining()) {
                        dst.put((byte) 0);
                    }
                    break;
                }
                pos += n;
            }
        } finally {
            dst.position(start);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        int start = src.position();
        long pos = base + offset;
        try {
            while (src.hasRemaining()) {
                pos += HostIo.progress(file.write(src, pos), pos);
            }
        } finally {
            src.position(start);
        }
    }

    @Override
    public void flush() throws IOException {
        file.sync();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        file.punchHole(base + offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fastOnly) throws IOException {
        checkWritable();
        try {
            file.zeroRange(base + offset, length);
        } catch (NotSupportedException e) {
            if (fastOnly) {
                throw e;
            }
            writeZeroBytes(offset, length);
        }
    }

    /** The slow way, for file systems with neither ZERO_RANGE nor PUNCH_HOLE. */
    private void writeZeroBytes(long offset, long length) throws IOException {
        if (zeros == null) {
            zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
        }
        Chunks.forEach(offset, length, zeros, this::write);
    }

    /** The file's data and holes (SEEK_DATA/SEEK_HOLE); past its end, a hole. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        ExtentSink.fromFile(file, base, offset, length, sink);
    }

    /** The host's page cache is the only cache here, and it fills on the read that follows. */
    @Override
    public void prefetch(long offset, long length) {
        // nothing to do
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException("read-only device");
        }
    }

    @Override
    public void close() {
        // the file belongs to the device's HostFile, closed with it
    }
}
