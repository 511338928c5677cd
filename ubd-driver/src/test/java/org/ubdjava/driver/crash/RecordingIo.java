package org.ubdjava.driver.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.ubdjava.driver.device.ForwardingHostIo;
import org.ubdjava.driver.device.HostIo;

/** Host I/O that performs each operation and keeps a copy of it, in order: the record a power cut is cut from. */
final class RecordingIo extends ForwardingHostIo {
    sealed interface Op permits Write, Punch, Sync {
    }

    record Write(long position, byte[] data) implements Op {
    }

    /** A punched hole or a zeroed range: both read back as zeros. */
    record Punch(long offset, long length) implements Op {
    }

    record Sync() implements Op {
    }

    final List<Op> ops = new ArrayList<>();

    RecordingIo(HostIo inner) {
        super(inner);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        byte[] copy = new byte[src.remaining()];
        src.duplicate().get(copy);
        int n = inner.write(src, position);
        ops.add(new Write(position, n == copy.length ? copy : java.util.Arrays.copyOf(copy, n)));
        return n;
    }

    @Override
    public void sync() throws IOException {
        inner.sync();
        ops.add(new Sync());
    }

    @Override
    public void punchHole(long offset, long length) throws IOException {
        inner.punchHole(offset, length);
        ops.add(new Punch(offset, length));
    }

    @Override
    public void zeroRange(long offset, long length) throws IOException {
        inner.zeroRange(offset, length);
        ops.add(new Punch(offset, length));
    }
}
