package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.cli.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The real CloudPhysics trace (a 32 GiB disk) across 64 VMs over a sparse 32 GiB backing file.
 * The whole trace writes 2.4 GB per VM (154 GB, 54 GB of distinct sectors for 64 VMs), far past
 * a CI budget: CI replays its first 3,000 records; the full run is tagged slow.
 */
class ReplayCloudPhysicsTest {
    static final long DEVICE = 32L << 30;

    @TempDir
    Path dir;

    @Test
    void first3000RecordsAcross64Vms() throws Exception {
        run(3000);
    }

    @Test
    @Tag("slow")
    void wholeTraceAcross64Vms() throws Exception {
        run(Long.MAX_VALUE);
    }

    private void run(long limit) throws Exception {
        Path trace = ReplayRun.shared().resolve("traces/cloudPhysicsIO.vscsi");
        if (!Files.isRegularFile(trace)) {
            System.err.println("*** REPLAY TESTS SKIPPED: " + trace + " is absent");
            Assumptions.abort(trace + " absent");
        }
        Path backing = dir.resolve("base.img");
        DemoImage.create(backing, DEVICE, 1024, 5); // 1 MiB of data per GiB, the rest holes
        long t0 = System.nanoTime();
        ReplayRun r = ReplayRun.of("replay", "--trace", trace.toString(), "--vms", "64", "--json", "--limit", Long.toString(limit),
                "--merge-check", "1", "ubd0=" + dir.resolve("vm.cow") + "," + backing);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(0, j.get("mismatches").asLong());
        assertTrue(j.get("backing_unchanged").asBoolean());
        assertTrue(j.get("bitmaps_exact").asBoolean());
        Runtime rt = Runtime.getRuntime();
        System.err.printf("cloudPhysics x64 (limit %d): %.1f s, %s IOPS, %s MB/s, latency %s, model %s, heap used %d MiB%n",
                limit, seconds, j.get("iops"), j.get("mb_per_s"), j.get("latency_us"), j.get("model"),
                (rt.totalMemory() - rt.freeMemory()) >> 20);
    }
}
