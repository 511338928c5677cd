package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.harness.trace.SampleTraces.resource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ubdjava.core.UbdException;

class TraceFormatDetectionTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "fio-v3-randrw.iolog, FIO_IOLOG",
            "fio-v3-trimwrite.iolog, FIO_IOLOG",
            "fio-v2-randrw.iolog, FIO_IOLOG",
            "fio-v2-handmade.iolog, FIO_IOLOG",
            "blkparse-sample.txt, BLKPARSE",
            "msr-sample.csv, MSR_CSV",
            "alibaba-sample.csv, ALIBABA_CSV"})
    void samples(String name, TraceFormat expected) {
        assertEquals(expected, TraceFormat.detect(resource(name)));
        // and the detected reader reads it
        try (TraceReader reader = TraceReaders.open(resource(name))) {
            assertTrue(SampleTraces.drain(reader).size() > 0);
        }
    }

    @Test
    void vscsiOfBothVersions() throws IOException {
        Path v1 = Files.write(dir.resolve("v1"), new VscsiBytes(1).add(0x28, 512, 0, 0).add(0x2a, 512, 0, 0).bytes());
        Path v2 = Files.write(dir.resolve("v2"), new VscsiBytes(2).add(0x28, 512, 0, 0).add(0x2a, 512, 0, 0).bytes());
        assertEquals(TraceFormat.VSCSI, TraceFormat.detect(v1));
        assertEquals(TraceFormat.VSCSI, TraceFormat.detect(v2));
    }

    @Test
    void headersAndLeadingBlankLines() throws IOException {
        assertEquals(TraceFormat.MSR_CSV,
                detect("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\r\n1,h,0,Read,0,512,1\r\n"));
        assertEquals(TraceFormat.ALIBABA_CSV, detect("\n\ndevice_id,opcode,offset,length,timestamp\n"));
        assertEquals(TraceFormat.BLKPARSE, detect("259,0    0        1     0.000000000  1  Q  R 0 + 8 [x]\n"));
    }

    @Test
    void garbageIsRefusedWithAClearMessage() throws IOException {
        Path garbage = Files.writeString(dir.resolve("notes.txt"), "hello, world\nmore\n");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceFormat.detect(garbage));
        assertEquals(garbage + ": not a trace format this tool knows (first line 'hello, world'); known: fio iolog v2/v3,"
                + " blkparse text, MSR Cambridge CSV, CloudPhysics vscsi v1/v2, Alibaba block CSV; name the format to"
                + " see what is wrong (fio, blkparse, msr, vscsi, alibaba)", e.getMessage());

        Path binary = Files.write(dir.resolve("zeros"), new byte[100]);
        e = assertThrows(TraceFormatException.class, () -> TraceFormat.detect(binary));
        assertTrue(e.getMessage().startsWith(binary + ": not a trace format this tool knows (first line '???"),
                e.getMessage());

        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        e = assertThrows(TraceFormatException.class, () -> TraceFormat.detect(empty));
        assertEquals(empty + ": empty file, not a trace", e.getMessage());

        UbdException missing = assertThrows(UbdException.class, () -> TraceFormat.detect(dir.resolve("nope")));
        assertEquals(dir.resolve("nope") + ": no such file", missing.getMessage());
    }

    @Test
    void formatNames() {
        assertEquals(TraceFormat.VSCSI, TraceFormat.fromName("VSCSI"));
        UbdException e = assertThrows(UbdException.class, () -> TraceFormat.fromName("qcow"));
        assertEquals("unknown trace format 'qcow' (known: fio, blkparse, msr, vscsi, alibaba)", e.getMessage());
    }

    private TraceFormat detect(String text) throws IOException {
        return TraceFormat.detect(Files.write(dir.resolve("t"), text.getBytes(StandardCharsets.US_ASCII)));
    }
}
