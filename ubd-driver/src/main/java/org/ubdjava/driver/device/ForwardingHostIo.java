package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A view of a host file that passes every operation to the one below it: views extend this and
 * override only what they change, as {@link ForwardingDevice} does for devices.
 */
public abstract class ForwardingHostIo implements HostIo {
    protected final HostIo inner;

    protected ForwardingHostIo(HostIo inner) {
        this.inner = inner;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return inner.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return inner.write(src, position);
    }

    @Override
    public void sync() throws IOException {
        inner.sync();
    }

    @Override
    public void punchHole(long offset, long length) throws IOException {
        inner.punchHole(offset, length);
    }

    @Override
    public void zeroRange(long offset, long length) throws IOException {
        inner.zeroRange(offset, length);
    }

    @Override
    public long nextData(long from) throws IOException {
        return inner.nextData(from);
    }

    @Override
    public long nextHole(long from) throws IOException {
        return inner.nextHole(from);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
