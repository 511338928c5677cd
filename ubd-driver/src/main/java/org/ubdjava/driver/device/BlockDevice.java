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
 * <p>A device says what it can do ({@link #canTrim}, {@link #canZero}, {@link #fastZero},
 * {@link #durability}, {@link #readOnly}) and where its data is ({@link #extents}): a front-end
 * offers its clients exactly that, and asks nothing of the configuration. Each layer answers for
 * what it changes, as nbdkit filters do.
 *
 * <p>Not thread-safe per device: the request loop gives each device to one thread at a time.
 */
public interface BlockDevice extends Closeable {
    long size();

    boolean readOnly();

    /**
     * Whether {@link #discard} works: whenever writes do (a discard is a write of holes), unless a
     * layer switches trim off ('t', {@link NoTrimDevice}).
     */
    default boolean canTrim() {
        return !readOnly();
    }

    /** Whether {@link #writeZeroes} works: whenever writes do, unless a layer switches it off. */
    default boolean canZero() {
        return !readOnly();
    }

    /** Whether {@link #writeZeroes} can be done without writing data (holes, bitmap bits): then fastOnly succeeds. */
    boolean fastZero();

    /** When writes are durable, so what a flush or a FUA write costs. */
    Durability durability();

    void read(long offset, ByteBuffer dst) throws IOException;

    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Whether a write of [offset, offset + length) would first have the file system allocate (a
     * fallocate of a whole unit, {@link AllocationUnitDevice}): a call that waits for the file
     * system's journal, so for as long as another file's sync holds it. The request loop runs such
     * a write off its I/O thread. Asked on the device's thread, right before the write; false
     * unless a layer below allocates.
     */
    default boolean writeAllocates(long offset, long length) {
        return false;
    }

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** The range reads as zeros afterwards, and may give its space back. */
    void discard(long offset, long length) throws IOException;

    /**
     * The range reads as zeros afterwards.
     *
     * @param fastOnly fail with {@link org.ubdjava.core.nativeio.NotSupportedException} rather than
     *                 write zeros, when the cheap way (fallocate, bitmap bits) is not available
     */
    void writeZeroes(long offset, long length, boolean fastOnly) throws IOException;

    /**
     * Tells {@code sink} the allocation of [offset, offset + length), in order and without gaps:
     * holes, zeros, and for a COW device whether the COW file or the backing file holds each part.
     */
    void extents(long offset, long length, ExtentSink sink) throws IOException;

    /** Reads the range into whatever cache lies below (a hint: a no-op where there is none). */
    void prefetch(long offset, long length) throws IOException;
}
