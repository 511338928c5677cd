package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ubdjava.harness.trace.SampleTraces.readAll;
import static org.ubdjava.harness.trace.SampleTraces.rec;
import static org.ubdjava.harness.trace.SampleTraces.resource;
import static org.ubdjava.harness.trace.TraceOp.READ;
import static org.ubdjava.harness.trace.TraceOp.WRITE;

import java.util.List;

import org.junit.jupiter.api.Test;

/** MSR Cambridge and Alibaba, the two CSV formats. */
class TraceCsvFormatsTest {
    @Test
    void msrFiletimeBecomesMicrosecondsSinceTheFirstRecord() {
        assertEquals(List.of(
                rec(0, READ, 3216171008L, 4096, 1),
                rec(1332052, WRITE, 3216171008L, 4096, 2),
                rec(2332061, WRITE, 2465812480L, 65536, 3),
                rec(3332061, READ, 1000, 512, 4)), readAll(resource("msr-sample.csv"), TraceFormat.MSR_CSV));
    }

    @Test
    void msrHeaderLineIsSkipped() {
        try (TraceReader reader = TraceReaders.open(java.nio.file.Path.of("h.csv"), new java.io.ByteArrayInputStream(
                "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n10,h,1,write,0,512,3\n".getBytes()),
                TraceFormat.MSR_CSV)) {
            assertEquals(List.of(rec(0, WRITE, 0, 512, 2)), SampleTraces.drain(reader));
            assertEquals(1, reader.skipped().count(TextTraceReader.HEADER));
        }
    }

    @Test
    void msrErrors() {
        assertError(TraceFormat.MSR_CSV, "t.trace:2: MSR Cambridge CSV: expected Type Read or Write, got 'Trim'",
                "1,h,0,Read,0,512,1\n2,h,0,Trim,0,512,1\n");
        assertError(TraceFormat.MSR_CSV, "t.trace:1: MSR Cambridge CSV: expected 'Timestamp,Hostname,DiskNumber,Type,"
                + "Offset,Size,ResponseTime' with Type Read or Write and the rest numbers, got '1,h,0,Read,0,512'",
                "1,h,0,Read,0,512\n");
        assertError(TraceFormat.MSR_CSV, "t.trace:1: MSR Cambridge CSV: expected 'Timestamp,Hostname,DiskNumber,Type,"
                + "Offset,Size,ResponseTime' with Type Read or Write and the rest numbers, got '1,h,0,Read,x,512,1'",
                "1,h,0,Read,x,512,1\n");
    }

    @Test
    void alibaba() {
        assertEquals(List.of(
                rec(0, WRITE, 8792731648L, 4096, 1),
                rec(1611, READ, 1298702336L, 16384, 2),
                rec(93280, WRITE, 0, 512, 3)), readAll(resource("alibaba-sample.csv"), TraceFormat.ALIBABA_CSV));
        assertEquals(List.of(rec(0, READ, 512, 512, 2)),
                readAll("device_id,opcode,offset,length,timestamp\n1,R,512,512,99\n", TraceFormat.ALIBABA_CSV));
    }

    @Test
    void alibabaErrors() {
        assertError(TraceFormat.ALIBABA_CSV, "t.trace:1: Alibaba block CSV: expected opcode R or W, got 'X'",
                "1,X,0,512,5\n");
        assertError(TraceFormat.ALIBABA_CSV, "t.trace:2: Alibaba block CSV: expected 'device_id,opcode,offset,length,"
                + "timestamp' with opcode R or W and the rest numbers, got '1,R,0,512,5,6'", "1,R,0,512,5\n1,R,0,512,5,6\n");
    }

    private static void assertError(TraceFormat format, String message, String trace) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> readAll(trace, format));
        assertEquals(message, e.getMessage());
    }
}
