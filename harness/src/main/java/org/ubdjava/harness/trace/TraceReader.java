package org.ubdjava.harness.trace;

import java.io.Closeable;
import java.nio.file.Path;

/**
 * Streams the I/O records of one trace file, in file order, holding only a buffer in memory, so
 * traces larger than memory work.
 *
 * <p>The API is {@code next(into)} rather than an {@link java.util.Iterator}: the caller owns one
 * {@link TraceRecord.Mutable} and the reader fills it, so a replay of hundreds of millions of
 * records allocates nothing per record; and the end of the trace and a malformed record are both
 * found by the one call that reads, instead of by a {@code hasNext()} that has to parse ahead and
 * throw on behalf of a later {@code next()}.
 *
 * <p>Not thread-safe. Bad input ends in {@link TraceFormatException}; a failure to read the file in
 * {@link org.ubdjava.core.UbdException}; no other exception escapes for any input.
 */
public interface TraceReader extends Closeable {
    /**
     * Reads the next I/O record into {@code into}.
     *
     * @return false at the end of the trace ({@code into} is then unchanged)
     * @throws TraceFormatException if the next line or record is malformed
     */
    boolean next(TraceRecord.Mutable into);

    TraceFormat format();

    Path path();

    /** Lines or records read so far that were not I/O (file management, other events, headers). */
    SkipCounter skipped();

    /** Closes the file; reading errors become {@link org.ubdjava.core.UbdException}. */
    @Override
    void close();
}
