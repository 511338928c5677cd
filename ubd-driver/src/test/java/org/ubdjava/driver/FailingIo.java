package org.ubdjava.driver;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.driver.device.ForwardingHostIo;
import org.ubdjava.driver.device.HostIo;

/** Host I/O that fails writes touching a byte range while armed: a failing bitmap write. */
final class FailingIo extends ForwardingHostIo {
    private final long from;
    private final long to;
    volatile boolean armed;

    FailingIo(HostIo inner, long from, long to) {
        super(inner);
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
}
