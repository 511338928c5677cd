package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;
import org.ubdjava.testsupport.Exec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A replay whose plan is three times the heap, through bin/ubd with {@code JAVA_OPTS=-Xmx48m}: the
 * plan is mapped from a spill file, not held on the heap.
 *
 * <p>4,000,000 records, half one-sector writes, half four-sector reads: the plan maps 32 bytes a
 * record plus 8 a run, about 190 MB. Held on the heap as before the spill (primitive arrays of 28
 * bytes a record, 8 a run, the arrays doubled as they grew and copied once more at the end) it
 * took at least 4,000,000 x 28 + 8,000,000 x 8 = 176 MB: that JVM died of OutOfMemoryError
 * before replaying anything. The writes hit 4 MiB of a 64 MiB device so the model stays small
 * (8,192 sectors) and the COW file is soon fully allocated; about 20 s on two busy cores.
 */
class ReplayBigPlanIT {
    static final int RECORDS = 4_000_000;
    static final int HOT_SECTORS = 8192;
    static final long HEAP = 48L << 20;

    @TempDir
    Path dir;

    @Test
    void planThreeTimesTheHeapReplaysThroughTheLauncher() throws IOException {
        Path trace = dir.resolve("big.vscsi");
        writeTrace(trace);
        Path backing = dir.resolve("base.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Path run = Files.createDirectories(dir.resolve("run"));
        long t0 = System.nanoTime();
        Exec.Result r = Exec.run(dir, List.of("env", "JAVA_OPTS=-Xmx" + (HEAP >> 20) + "m", launcher(),
                "replay", "--trace", trace.toString(), "--vms", "1", "--json", "--merge-check", "0",
                "ubd0=" + run.resolve("vm.cow") + "," + backing), 600);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertTrue(j.get("passed").asBoolean(), r.out());
        assertEquals(0, j.get("mismatches").asLong());
        assertEquals(RECORDS, j.get("requests").asLong());
        assertEquals(RECORDS / 2, j.get("reads_verified").asLong());
        long planBytes = j.get("model").get("plan_bytes").asLong();
        assertTrue(planBytes > 3 * HEAP, "plan " + planBytes + " bytes");
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of(run.resolve("vm-0.cow")), left.toList(), "no spill file is left");
        }
        System.err.printf("big plan: %d records, plan %d MB, heap %d MiB: %.1f s, %s IOPS%n",
                RECORDS, planBytes / 1_000_000, HEAP >> 20, seconds, j.get("iops"));
    }

    /**
     * vscsi v1 (32 bytes, little-endian): even records write one sector, odd ones read four, at
     * random in the first {@link #HOT_SECTORS}; 10 us apart.
     */
    private static void writeTrace(Path trace) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(trace, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < RECORDS; i++) {
                boolean write = i % 2 == 0;
                int sectors = write ? 1 : 4;
                buf.putInt(i).putInt(sectors * 512).putInt(1)
                        .putShort((short) (write ? 0x2a : 0x28)).putShort((short) 0x0100)
                        .putLong(random.nextInt(HOT_SECTORS - sectors + 1)).putLong(i * 10L);
                if (!buf.hasRemaining() || i == RECORDS - 1) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    buf.clear();
                }
            }
        }
    }

    /** bin/ubd of this checkout (the package phase built its jar). */
    private static String launcher() {
        return Path.of(System.getProperty("ubd.repo.root", "..")).resolve("bin/ubd").toAbsolutePath().toString();
    }
}
