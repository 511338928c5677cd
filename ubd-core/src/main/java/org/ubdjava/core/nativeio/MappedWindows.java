package org.ubdjava.core.nativeio;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only file seen through one memory-mapped window at a time, so a merge can scan and write
 * the data straight from the page cache instead of copying it into a buffer first. Windows are
 * unmapped as soon as the next one is mapped: a terabyte file never holds more than one window of
 * address space, and nothing waits for the garbage collector to let go of a mapping.
 *
 * <p>The file must not shrink while mapped (reading a page past its end raises SIGBUS, which the
 * JVM turns into an InternalError); callers check its size first and map only what it has.
 */
public final class MappedWindows implements Closeable {
    private final FileChannel file;
    private final long windowSize;
    private MappedByteBuffer window;
    private long windowStart = -1;

    public MappedWindows(FileChannel file, long windowSize) {
        if (Long.bitCount(windowSize) != 1 || windowSize > 1L << 30) {
            throw new IllegalArgumentException("window size must be a power of two up to 1 GiB: " + windowSize);
        }
        this.file = file;
        this.windowSize = windowSize;
    }

    /** The end of the window holding {@code offset}: a slice may not cross it. */
    public long windowEnd(long offset) {
        return (offset / windowSize + 1) * windowSize;
    }

    /** {@code length} bytes from {@code offset} (within one window and within the file), positions 0 to length. */
    public ByteBuffer slice(long offset, int length) throws IOException {
        long start = offset / windowSize * windowSize;
        if (offset + length > windowEnd(offset)) {
            throw new IllegalArgumentException("slice [" + offset + ", +" + length + ") crosses a window");
        }
        if (start != windowStart) {
            unmap();
            long size = Math.min(windowSize, file.size() - start);
            window = file.map(FileChannel.MapMode.READ_ONLY, start, size);
            windowStart = start;
        }
        return window.slice((int) (offset - start), length);
    }

    private void unmap() {
        if (window != null) {
            DirectMemory.free(window);
            window = null;
            windowStart = -1;
        }
    }

    @Override
    public void close() {
        unmap();
    }
}
