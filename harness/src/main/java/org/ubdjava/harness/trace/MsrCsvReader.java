package org.ubdjava.harness.trace;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * The MSR Cambridge traces (SNIA IOTTA): one request per line,
 *
 * <pre>
 * Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime
 * 128166372003061629,hm,0,Read,3216171008,4096,6817
 * </pre>
 *
 * <p>Timestamp is a Windows FILETIME (100 ns ticks since 1601), returned as microseconds since the
 * first record; Type is Read (READ) or Write (WRITE), in any case; Offset and Size are bytes;
 * ResponseTime (100 ns ticks) is checked and ignored. The published files have no header line; a
 * first line starting with "Timestamp" is accepted and counted under {@value TextTraceReader#HEADER}. Lines of
 * every host and disk are returned.
 */
final class MsrCsvReader extends TextTraceReader {
    private static final String EXPECTED = "expected 'Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime'"
            + " with Type Read or Write and the rest numbers, got ";
    private static final int TICKS_PER_MICROSECOND = 10;

    private final RelativeClock clock = new RelativeClock();

    MsrCsvReader(Path path, InputStream in) {
        super(path, in, TraceFormat.MSR_CSV);
    }

    @Override
    boolean parseLine(TraceRecord.Mutable into) {
        if (!splitCsv("Timestamp", 7, EXPECTED)) {
            return false;
        }
        TraceOp op = readOrWrite(3, "Read", "Write", "Type");
        long ticks = fields.number(0);
        long offset = fields.number(4);
        long size = fields.number(5);
        if (ticks < 0 || fields.number(2) < 0 || offset < 0 || size < 0 || fields.number(6) < 0) {
            throw error(EXPECTED + quoteLine());
        }
        into.set(clock.since(ticks) / TICKS_PER_MICROSECOND, op, offset, size, lines.lineNumber(), 0);
        return true;
    }
}
