package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.DataMap;

/**
 * The file operations a device does on one host file: the seam where they can be recorded (crash
 * simulation) or failed on purpose. Also where the file has data ({@link DataMap}). Positional, like pread/pwrite: no shared file position.
 */
public interface HostIo extends DataMap {
    /** Reads at {@code position} into {@code dst}; -1 at the end of the file (pread). */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes {@code src} at {@code position}; returns bytes written (pwrite). */
    int write(ByteBuffer src, long position) throws IOException;

    /** fdatasync: every write before it is on stable storage when it returns. */
    void sync() throws IOException;

    /** Deallocates a range keeping the size: it reads as zeros (fallocate PUNCH_HOLE). */
    void punchHole(long offset, long length) throws IOException;

    /** Makes a range read as zeros keeping the size (fallocate ZERO_RANGE, or a hole where unsupported). */
    void zeroRange(long offset, long length) throws IOException;

    /**
     * Gives back what this view of the file holds (a mapping, say), not the file: that belongs to
     * the device's HostFile. Later operations fail.
     */
    default void close() throws IOException {
    }

    /** Without SEEK_DATA the whole file is data: true, only less precise. */
    @Override
    default long nextData(long from) throws IOException {
        return from;
    }

    @Override
    default long nextHole(long from) throws IOException {
        return Long.MAX_VALUE;
    }

    /**
     * A write's byte count, or an error when it wrote nothing: looping on a write that makes no
     * progress would hang the I/O thread (the kernel takes it for success and drops the rest).
     */
    static int progress(int written, long position) throws IOException {
        if (written <= 0) {
            throw new IOException("short write: nothing written at " + position);
        }
        return written;
    }
}
