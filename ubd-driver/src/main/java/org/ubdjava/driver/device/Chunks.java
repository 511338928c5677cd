package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A long range done a buffer's worth at a time, through one reused buffer: no allocation per chunk. */
public final class Chunks {
    /** One chunk: {@code buffer} holds exactly its bytes, position 0 to limit. */
    @FunctionalInterface
    public interface Chunk {
        void run(long offset, ByteBuffer buffer) throws IOException;
    }

    private Chunks() {
    }

    public static void forEach(long offset, long length, ByteBuffer buffer, Chunk chunk) throws IOException {
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buffer.capacity(), length - done);
            chunk.run(offset + done, buffer.clear().limit(n));
            done += n;
        }
    }
}
