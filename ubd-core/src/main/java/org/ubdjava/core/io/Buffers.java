package org.ubdjava.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;

/**
 * The two buffer chores every reader of device images repeats: a positional read that goes on
 * until the buffer is full or the file ends, and a test for all-zero bytes. Absolute gets only:
 * nothing here moves a buffer's position except the read, and nothing allocates.
 */
public final class Buffers {
    private Buffers() {
    }

    /**
     * Reads from {@code position} into {@code dst} until it is full or the file ends (a short
     * read is not the end); {@code dst}'s position advances by what was read.
     *
     * @return bytes read
     */
    public static int readFully(FileChannel file, ByteBuffer dst, long position) throws IOException {
        int read = 0;
        while (dst.hasRemaining()) {
            int n = file.read(dst, position + read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return read;
    }

    /**
     * Reads until {@code dst} is full; the file ending first is an error naming it (a COW file's
     * data past its end means a truncated file: uml_moo says "Reading data: Success").
     */
    public static void readExactly(FileChannel file, ByteBuffer dst, long position, Path name) throws IOException {
        int want = dst.remaining();
        if (readFully(file, dst, position) < want) {
            throw new UbdException(name + ": ends at " + file.size() + " but data is needed up to " + (position + want)
                    + " (file truncated?)");
        }
    }

    /** {@link #readFully}, then zeros for whatever lies past the end of the file: a device reads a file's tail so. */
    public static void readOrZeros(FileChannel file, ByteBuffer dst, long position) throws IOException {
        readFully(file, dst, position);
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    /** Whether bytes {@code [off, off + len)} of {@code buf} are all zero; whole longs first, the first non-zero one ends it. */
    public static boolean isZero(ByteBuffer buf, int off, int len) {
        int i = off;
        for (int end = off + len - Long.BYTES; i <= end; i += Long.BYTES) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (int end = off + len; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
