package org.ubdjava.driver.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device as the request loop sees it: byte offsets and lengths, multiples of 512 (the
 * caller checks). Layers (COW, caches, tracing, fault injection) implement this over another
 * device. Buffers are the caller's: read fills {@code dst} from its position to its limit, write
 * takes {@code src} from position to limit; both leave position and limit as they found them.
 *
 * <p>Not thread-safe per device: the request loop gives each device to one thread at a time.
 */
public interface BlockDevice extends Closeable {
    long size();

    boolean readOnly();

    void read(long offset, ByteBuffer dst) throws IOException;

    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** The range reads as zeros afterwards, and may give its space back. */
    void discard(long offset, long length) throws IOException;

    /** The range reads as zeros afterwards. */
    void writeZeroes(long offset, long length) throws IOException;
}
