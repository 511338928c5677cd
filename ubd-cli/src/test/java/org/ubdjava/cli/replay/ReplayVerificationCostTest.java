package org.ubdjava.cli.replay;

import org.ubdjava.core.io.DemoImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Verifying a read costs the backing file no more than the read itself: the checks compare in
 * place, and count what they compared. (They used to re-read 1 MiB of the backing file to check
 * each 4 KiB read of a random trace.)
 */
class ReplayVerificationCostTest {
    private static final long DEVICE = 16L << 20;
    private static final int READS = 3000;

    @TempDir
    Path dir;

    /** Random 4 KiB reads over the device, as fio's randread writes them (iolog v3). */
    private Path randomReads(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder("fio version 3 iolog\n0 disk.img add\n0 disk.img open\n");
        for (int i = 0; i < READS; i++) {
            b.append(i).append(" disk.img read ").append(r.nextLong(DEVICE / 4096) * 4096).append(" 4096\n");
        }
        b.append(READS).append(" disk.img close\n");
        Path t = dir.resolve("randread.iolog");
        Files.writeString(t, b);
        return t;
    }

    private JsonNode replay(Path trace, long every, String... extra) throws Exception {
        Path backing = dir.resolve("base-" + every + ".img");
        DemoImage.create(backing, DEVICE, every, 3);
        Path cows = Files.createDirectories(dir.resolve("run-" + every));
        String[] base = {"replay", "--trace", trace.toString(), "--vms", "4", "--json", "--merge-check", "0"};
        String[] args = new String[base.length + extra.length + 1];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        args[args.length - 1] = "ubd0=" + cows.resolve("vm.cow") + "," + backing;
        ReplayRun r = ReplayRun.of(args);
        JsonNode j = new ObjectMapper().readTree(r.out());
        j = ((com.fasterxml.jackson.databind.node.ObjectNode) j).put("exit", r.exit());
        return j;
    }

    @Test
    void checksReadExactlyTheBackingBytesTheVmsRead() throws Exception {
        JsonNode j = replay(randomReads(1), 1);
        assertEquals(0, j.get("exit").asInt(), j.toString());
        assertEquals(4L * READS, j.get("reads_verified").asLong());
        // every read comes from the backing file (nothing was written), all of it data
        assertEquals(4L * READS * 4096, j.get("verification").get("backing_bytes_read").asLong());
    }

    @Test
    void theIoTimesThroughputIsTheBytesOverIt() throws Exception {
        JsonNode j = replay(randomReads(4), 1);
        assertEquals(0, j.get("exit").asInt(), j.toString());
        double ioS = j.get("io_s").asDouble();
        double bytes = 4.0 * READS * 4096;
        // io_s is rounded to a millisecond; the throughput must lie within what that allows (ubd
        // bench --replay once printed 0.0 MB/s at 1 M IOPS, from figures rounded before use)
        double mb = j.get("io_mb_per_s").asDouble();
        assertTrue(mb >= bytes / (ioS + 0.0005) / 1e6 - 0.1 && mb <= bytes / Math.max(ioS - 0.0005, 1e-9) / 1e6 + 0.1,
                "io_mb_per_s " + mb + " for " + bytes + " bytes in " + ioS + " s");
    }

    @Test
    void holesInTheBackingFileAreCheckedWithoutReadingThem() throws Exception {
        JsonNode j = replay(randomReads(2), 3); // data in every third MiB
        assertEquals(0, j.get("exit").asInt(), j.toString());
        long read = j.get("verification").get("backing_bytes_read").asLong();
        assertTrue(read > 0 && read < 4L * READS * 4096 * 2 / 3, "read " + read);
        assertTrue(j.get("verification").get("backing_extents").asInt() > 1);
    }

    @Test
    void aStaleReadOfTheBackingFileIsStillCaught() throws Exception {
        JsonNode j = replay(randomReads(3), 1, "--inject", "stale-reads:50");
        assertEquals(1, j.get("exit").asInt());
        assertTrue(j.get("mismatches").asLong() > 0, j.toString());
    }
}
