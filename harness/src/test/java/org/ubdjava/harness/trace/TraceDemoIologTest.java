package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The trace `ubd demo` replays, as shipped in the jar. */
class TraceDemoIologTest {
    private static final long FILE_SIZE = 64L << 20;

    @Test
    void demoTraceIsARealFioV3LogOfTheDocumentedWorkload() throws Exception {
        Map<TraceOp, Long> ops = new EnumMap<>(TraceOp.class);
        long bytes;
        try (InputStream in = TraceDemoIologTest.class.getResourceAsStream("/traces/demo.iolog")) {
            byte[] all = in.readAllBytes();
            bytes = all.length;
            try (TraceReader reader = TraceReaders.open(Path.of("demo.iolog"), new java.io.ByteArrayInputStream(all),
                    TraceFormat.FIO_IOLOG)) {
                TraceRecord.Mutable r = new TraceRecord.Mutable();
                long lastTime = 0;
                while (reader.next(r)) {
                    ops.merge(r.op(), 1L, Long::sum);
                    assertTrue(r.end() <= FILE_SIZE, r::toString);
                    assertTrue(r.timestampMicros() >= lastTime, "fio logs in time order");
                    lastTime = r.timestampMicros();
                    if (r.op() != TraceOp.FLUSH) {
                        assertTrue(r.length() == 4096 || r.length() == 65536, r::toString);
                        assertEquals(0, r.offset() % 4096);
                    }
                }
                assertEquals(3, reader.skipped().total(), "add, open, close");
            }
        }
        assertTrue(bytes < 300_000, "demo.iolog is " + bytes + " bytes");
        assertEquals(Map.of(TraceOp.READ, 1017L, TraceOp.WRITE, 1483L, TraceOp.FLUSH, 47L), ops);
    }
}
