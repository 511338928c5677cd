package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A host file as a device, starting at {@code base} in the file: a raw image (base 0) or the data
 * area of a COW file (base = data offset). Reads past the end of the file return zeros: the tail of
 * a backing file whose size is not a multiple of 512, or COW sectors never written (the kernel's B3
 * bug repeats data there instead).
 */
public final class FileDevice implements BlockDevice {
    private final HostIo file;
    private final long base;
    private final long size;
    private final boolean readOnly;

    public FileDevice(HostIo file, long base, long size, boolean readOnly) {
        this.file = file;
        this.base = base;
        this.size = size;
        this.readOnly = readOnly;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
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
    public void writeZeroes(long offset, long length) throws IOException {
        checkWritable();
        file.zeroRange(base + offset, length);
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
