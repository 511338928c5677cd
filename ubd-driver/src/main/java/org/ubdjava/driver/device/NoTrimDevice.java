package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.NotSupportedException;

/** The 't' flag on a raw image: discard and write-zeroes are not offered. */
final class NoTrimDevice implements BlockDevice {
    private final BlockDevice inner;

    NoTrimDevice(BlockDevice inner) {
        this.inner = inner;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public boolean readOnly() {
        return inner.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        inner.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void discard(long offset, long length) throws NotSupportedException {
        throw new NotSupportedException("discard is off for this device ('t')");
    }

    @Override
    public void writeZeroes(long offset, long length) throws NotSupportedException {
        throw new NotSupportedException("write-zeroes is off for this device ('t')");
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
