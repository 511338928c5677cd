package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A layer that passes every operation to the device below it: layers extend this and override
 * only what they change (as nbdkit filters do), so what a layer does is all that its class says.
 */
public abstract class ForwardingDevice implements BlockDevice {
    protected final BlockDevice inner;

    protected ForwardingDevice(BlockDevice inner) {
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
    public boolean canTrim() {
        return inner.canTrim();
    }

    @Override
    public boolean canZero() {
        return inner.canZero();
    }

    @Override
    public boolean fastZero() {
        return inner.fastZero();
    }

    @Override
    public Durability durability() {
        return inner.durability();
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
    public boolean writeAllocates(long offset, long length) {
        return inner.writeAllocates(offset, length);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fastOnly) throws IOException {
        inner.writeZeroes(offset, length, fastOnly);
    }

    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        inner.extents(offset, length, sink);
    }

    @Override
    public void prefetch(long offset, long length) throws IOException {
        inner.prefetch(offset, length);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
