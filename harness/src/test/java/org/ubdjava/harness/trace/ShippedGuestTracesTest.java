package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ubdjava.realtools.Processes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The traces recorded from real guests through --record, as shipped: the trace reader takes every line. */
class ShippedGuestTracesTest {
    @ParameterizedTest
    @CsvSource({"guest-mkfs.iolog, 94, 20, 2, 4", "guest-cp.iolog, 16, 777, 0, 24", "guest-scan.iolog, 7812, 0, 0, 0"})
    void shippedGuestTracesReadCompletely(String name, int reads, int writes, int trims, int syncs) throws Exception {
        Map<TraceOp, Integer> count = new EnumMap<>(TraceOp.class);
        long last = -1;
        long disk = 320L << 20;
        try (InputStream in = ShippedGuestTracesTest.class.getResourceAsStream("/traces/" + name);
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

    /**
     * fio replays them as they ship: it rejects nothing of them (a sync line without offset and
     * length is a file action to fio, which it drops with "bad iolog file action") and does every
     * read, write and sync. Trims it cannot do on a regular file ("bad ddir"), and says so.
     */
    @ParameterizedTest
    @CsvSource({"guest-mkfs.iolog, 94, 20, 4", "guest-cp.iolog, 16, 777, 24", "guest-scan.iolog, 7812, 0, 0"})
    void fioReplaysEveryLineOfThem(String name, int reads, int writes, int syncs, @TempDir Path dir) throws Exception {
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            System.err.println("*** FIO INTEROP TEST SKIPPED in ShippedGuestTracesTest: fio is not installed (apt-get install -y fio)");
        }
        Assumptions.assumeTrue(fio.isPresent(), "fio missing");
        Path trace = dir.resolve(name);
        try (InputStream in = ShippedGuestTracesTest.class.getResourceAsStream("/traces/" + name)) {
            Files.copy(in, trace);
        }
        Path target = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
            f.setLength(320L << 20);
        }
        Processes.Result r = Processes.run(dir, List.of(fio.get().toString(), "--name=g", "--read_iolog=" + trace,
                "--replay_redirect=" + target, "--replay_no_stall=1", "--ioengine=psync", "--output-format=json"), 120);
        assertEquals(0, r.exit(), r.both());
        assertFalse(r.both().contains("bad iolog"), r.both());
        JsonNode job = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{'))).path("jobs").path(0);
        assertEquals(reads, job.path("read").path("total_ios").asInt(), r.both());
        assertEquals(writes, job.path("write").path("total_ios").asInt(), r.both());
        assertEquals(syncs, job.path("sync").path("total_ios").asInt(), r.both());
    }
}
