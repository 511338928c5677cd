package org.ubdjava.export.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/** Whole-buffer reads and writes on a blocking channel: NBD messages are never useful in part. */
final class Wire {
    private static final int SKIP_CHUNK = 64 << 10;

    private Wire() {
    }

    /** Fills {@code buf} from position to limit, then flips it for reading. */
    static ByteBuffer readFully(ByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("the client closed the connection");
            }
        }
        return buf.flip();
    }

    static ByteBuffer read(ByteChannel ch, int bytes) throws IOException {
        return readFully(ch, ByteBuffer.allocate(bytes));
    }

    static void writeFully(ByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Reads and drops {@code bytes}: a payload we will not use must still leave the stream. */
    static void skip(ByteChannel ch, long bytes) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate((int) Math.min(SKIP_CHUNK, Math.max(bytes, 1)));
        for (long left = bytes; left > 0; left -= sink.capacity()) {
            sink.clear().limit((int) Math.min(sink.capacity(), left));
            readFully(ch, sink);
        }
    }
}
