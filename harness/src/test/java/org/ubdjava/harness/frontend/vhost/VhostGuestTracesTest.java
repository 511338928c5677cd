package org.ubdjava.harness.frontend.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;

/** The traces recorded from real guests through --record, as shipped: the trace reader takes every line. */
class VhostGuestTracesTest {
    @ParameterizedTest
    @CsvSource({"guest-mkfs.iolog, 94, 20, 2, 4", "guest-cp.iolog, 16, 777, 0, 24", "guest-scan.iolog, 7812, 0, 0, 0"})
    void shippedGuestTracesReadCompletely(String name, int reads, int writes, int trims, int syncs) throws Exception {
        Map<TraceOp, Integer> count = new EnumMap<>(TraceOp.class);
        long last = -1;
        long disk = 320L << 20;
        try (InputStream in = VhostGuestTracesTest.class.getResourceAsStream("/traces/" + name);
             TraceReader t = TraceReaders.open(Path.of(name), in, TraceFormat.FIO_IOLOG)) {
            TraceRecord.Mutable m = new TraceRecord.Mutable();
            while (t.next(m)) {
                count.merge(m.op(), 1, Integer::sum);
                assertTrue(m.timestampMicros() >= last, name);
                last = m.timestampMicros();
                assertTrue(m.end() <= disk, name + ": beyond the 320 MiB disk");
            }
        }
        assertEquals(reads, count.getOrDefault(TraceOp.READ, 0));
        assertEquals(writes, count.getOrDefault(TraceOp.WRITE, 0));
        assertEquals(trims, count.getOrDefault(TraceOp.DISCARD, 0));
        assertEquals(syncs, count.getOrDefault(TraceOp.FLUSH, 0));
    }
}
