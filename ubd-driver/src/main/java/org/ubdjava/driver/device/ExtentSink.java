package org.ubdjava.driver.device;

import java.io.IOException;

import org.ubdjava.core.nativeio.DataMap;

/**
 * Told the allocation of consecutive extents of a device range, in order and without gaps (see
 * {@link BlockDevice#extents}). Flags are bits of this interface; no flag means data in the COW
 * file or the raw image. Adjacent extents may share flags: a consumer that wants fewer merges them.
 */
@FunctionalInterface
public interface ExtentSink {
    /** Not allocated in the file it comes from: a hole. */
    int HOLE = 1;
    /** Reads as zeros. */
    int ZERO = 2;
    /** Comes from the backing file (a COW device's sector whose bit is clear), not the COW file. */
    int BACKING = 4;

    void extent(long offset, long length, int flags);

    /**
     * Tells {@code sink} where [offset, offset + length) of a device stored in {@code file} from
     * {@code base} on has data, and where holes that read as zeros (past the file's end, a hole).
     */
    static void fromFile(DataMap file, long base, long offset, long length, ExtentSink sink) throws IOException {
        file.forEachRun(base + offset, base + offset + length, (from, to, data) -> sink.extent(from - base, to - from, data ? 0 : HOLE | ZERO));
    }
}
