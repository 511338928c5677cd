package org.ubdjava.driver;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.driver.device.HostIo;

/** Host I/O that fails writes touching a byte range while armed: a failing bitmap write. */
final class FailingIo implements HostIo {
    private final HostIo inner;
    private final long from;
    private final long to;
    volatile boolean armed;

    FailingIo(HostIo inner, long from, long to) {
        this.inner = inner;
        this.from = from;
        this.to = to;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (armed && position < to && position + src.remaining() > from) {
            throw new IOException("Input/output error (injected)");
        }
        return inner.write(src, position);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return inner.read(dst, position);
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
}
