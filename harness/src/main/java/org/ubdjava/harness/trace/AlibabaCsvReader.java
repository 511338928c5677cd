package org.ubdjava.harness.trace;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * The Alibaba cloud block traces (2020): one request per line,
 *
 * <pre>
 * device_id,opcode,offset,length,timestamp
 * 419,W,8792731648,4096,1577808144206720
 * </pre>
 *
 * <p>opcode R is READ, W is WRITE; offset and length are bytes; timestamp is microseconds (since the
 * Unix epoch), returned as microseconds since the first record. The published files have no
 * header line; a first line starting with "device_id" is accepted and counted under
 * {@value TextTraceReader#HEADER}. Lines of every device are returned.
 */
final class AlibabaCsvReader extends TextTraceReader {
    private static final String EXPECTED = "expected 'device_id,opcode,offset,length,timestamp' with opcode R or W"
            + " and the rest numbers, got ";

    private final RelativeClock clock = new RelativeClock();

    AlibabaCsvReader(Path path, InputStream in) {
        super(path, in, TraceFormat.ALIBABA_CSV);
    }

    @Override
    boolean parseLine(TraceRecord.Mutable into) {
        if (!splitCsv("device_id", 5, EXPECTED)) {
            return false;
        }
        TraceOp op = readOrWrite(1, "R", "W", "opcode");
        long offset = fields.number(2);
        long length = fields.number(3);
        long micros = fields.number(4);
        if (fields.number(0) < 0 || offset < 0 || length < 0 || micros < 0) {
            throw error(EXPECTED + quoteLine());
        }
        into.set(clock.since(micros), op, offset, length, lines.lineNumber(), 0);
        return true;
    }
}
