package org.ubdjava.core.nativeio;

import java.io.IOException;
import java.nio.channels.FileChannel;

import org.ubdjava.core.io.RunConsumer;

/**
 * Where a file holds data and where it has holes (lseek SEEK_DATA / SEEK_HOLE). A file system
 * without them reports the whole file as data, which is true, only less precise; past the end of
 * the file is a hole.
 */
public interface DataMap {
    /** The first offset at or after {@code from} that holds data, or -1 when only a hole follows. */
    long nextData(long from) throws IOException;

    /** The first offset at or after {@code from} that starts a hole (the end of the file counts as one). */
    long nextHole(long from) throws IOException;

    static DataMap of(FileChannel file) {
        return new DataMap() {
            @Override
            public long nextData(long from) throws IOException {
                return NativeFiles.nextData(file, from);
            }

            @Override
            public long nextHole(long from) throws IOException {
                return NativeFiles.nextHole(file, from);
            }
        };
    }

    /** Runs of [from, to) in file offsets: {@code yes} for data, no for a hole (reads as zeros). */
    default void forEachRun(long from, long to, RunConsumer runs) throws IOException {
        long pos = from;
        while (pos < to) {
            long data = nextData(pos);
            boolean isData = data == pos;
            long boundary = isData ? nextHole(pos) : data < 0 ? to : data;
            // a boundary at or before pos would loop for ever: take the rest as it is
            long next = boundary <= pos ? to : Math.min(to, boundary);
            runs.run(pos, next, isData);
            pos = next;
        }
    }
}
