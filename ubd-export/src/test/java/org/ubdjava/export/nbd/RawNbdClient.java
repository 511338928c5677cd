package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A hand-driven NBD client for protocol tests: every byte is the test's choice. */
public final class RawNbdClient implements AutoCloseable {
    public record OptionReply(int option, int type, byte[] data) {
    }

    public record SimpleReply(int error, long handle) {
    }

    final SocketChannel ch;

    public RawNbdClient(Path socket) throws IOException {
        ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    /** Reads the greeting and answers with fixed newstyle and no zeroes. */
    public RawNbdClient greet() throws IOException {
        ByteBuffer g = Wire.read(ch, 18);
        assertEquals(NBDMAGIC, g.getLong());
        assertEquals(IHAVEOPT, g.getLong());
        send(ByteBuffer.allocate(4).putInt(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES).flip());
        return this;
    }

    public void send(ByteBuffer b) throws IOException {
        Wire.writeFully(ch, b);
    }

    public void option(int option, byte[] data) throws IOException {
        send(ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(option).putInt(data.length).put(data).flip());
    }

    public OptionReply optionReply() throws IOException {
        ByteBuffer h = Wire.read(ch, 20);
        assertEquals(OPTION_REPLY_MAGIC, h.getLong());
        int option = h.getInt();
        int type = h.getInt();
        ByteBuffer d = Wire.read(ch, h.getInt());
        return new OptionReply(option, type, d.array());
    }

    /** NBD_OPT_EXPORT_NAME; returns size and transmission flags as {size, flags}. */
    public long[] exportName(String name) throws IOException {
        option(NBD_OPT_EXPORT_NAME, name.getBytes(StandardCharsets.UTF_8));
        ByteBuffer r = Wire.read(ch, 10);
        return new long[] {r.getLong(), Short.toUnsignedInt(r.getShort())};
    }

    public void request(int type, int flags, long handle, long offset, int length, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(REQUEST_HEADER_BYTES + (payload == null ? 0 : payload.length));
        b.putInt(NBD_REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(handle).putLong(offset).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        send(b.flip());
    }

    public SimpleReply simpleReply() throws IOException {
        ByteBuffer r = Wire.read(ch, SIMPLE_REPLY_BYTES);
        assertEquals(NBD_SIMPLE_REPLY_MAGIC, r.getInt());
        return new SimpleReply(r.getInt(), r.getLong());
    }

    public byte[] data(int length) throws IOException {
        return Wire.read(ch, length).array();
    }

    /** True when the server has closed its side (read gives end of stream). */
    public boolean closedByServer() throws IOException {
        try {
            return ch.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
