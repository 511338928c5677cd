package org.ubdjava.cli.replay;

import org.ubdjava.core.io.DemoImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.trace.SampleTraces;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The real CloudPhysics trace (113,872 requests on a 32 GiB disk) across 64 VMs over a sparse
 * 32 GiB backing file with 1 MiB of data per GiB.
 *
 * <p>The whole trace writes 2.4 GB per VM, 845 MB of it distinct: 54 GB of COW files for 64 VMs,
 * more than a CI machine's disk can be counted on to hold. So the whole-trace run keeps 8 VMs
 * running at a time ({@code --at-once 8}): each VM's COW file is checked as it finishes (bitmap
 * exact; two are merged and compared in full) and then deleted, 7 GB at most at once. It runs on
 * /dev/shm (tmpfs) when that has room, which keeps 150 GB of page-cache writes off the disk; the
 * first 3,000 records run with all 64 VMs at once.
 */
class ReplayCloudPhysicsTest {
    static final long DEVICE = 32L << 30;
    static final long RECORDS = 113_872;
    static final long READS = 46_974;

    @TempDir
    Path dir;

    @Test
    void first3000RecordsAcross64VmsAtOnce() throws Exception {
        run(dir, 3000, 3000, -1);
    }

    @Test
    void wholeTraceAcross64Vms() throws Exception {
        Path shm = Path.of("/dev/shm");
        boolean tmpfs = Files.isDirectory(shm) && Files.isWritable(shm) && Files.getFileStore(shm).getUsableSpace() > (10L << 30);
        Path work = tmpfs ? Files.createTempDirectory(shm, "ubd-cloudphysics-") : dir;
        try {
            JsonNode j = run(work, Long.MAX_VALUE, RECORDS, READS, "--at-once", "8");
            assertEquals(8, j.get("schedule").get("at_once").asInt());
            long distinct = j.get("disk_usage").get("distinct_bytes_per_vm").asLong();
            assertEquals(844_924_928L, distinct, "the trace's distinct written bytes");
            assertTrue(j.get("disk_usage").get("cow_disk_usage_total").asLong() >= 64 * distinct, j.toString());
            try (var left = Files.list(work.resolve("run"))) {
                assertEquals(List.of(), left.toList(), "checked COW files are deleted");
            }
        } finally {
            if (tmpfs) {
                delete(work);
            }
        }
    }

    private JsonNode run(Path work, long limit, long records, long reads, String... extra) throws Exception {
        Optional<Path> found = SampleTraces.realVscsiTrace();
        if (found.isEmpty()) {
            System.err.println("*** REPLAY TESTS SKIPPED: cloudPhysicsIO.vscsi not found (" + SampleTraces.VSCSI_TRACE_PLACES + ")");
            Assumptions.abort("cloudPhysicsIO.vscsi absent");
        }
        Path trace = found.get();
        Path backing = work.resolve("base.img");
        DemoImage.create(backing, DEVICE, 1024, 5); // 1 MiB of data per GiB, the rest holes
        List<String> args = new ArrayList<>(List.of("replay", "--trace", trace.toString(), "--vms", "64", "--json",
                "--limit", Long.toString(limit), "--merge-check", "2"));
        args.addAll(List.of(extra));
        Files.createDirectories(work.resolve("run"));
        args.add("ubd0=" + work.resolve("run/vm.cow") + "," + backing);
        long t0 = System.nanoTime();
        ReplayRun r = ReplayRun.of(args.toArray(String[]::new));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(64 * records, j.get("requests").asLong());
        if (reads >= 0) {
            assertEquals(64 * reads, j.get("reads_verified").asLong());
        }
        assertEquals(0, j.get("mismatches").asLong());
        assertEquals(0, j.get("errors").asLong());
        assertTrue(j.get("backing_unchanged").asBoolean());
        assertTrue(j.get("bitmaps_exact").asBoolean());
        assertEquals(2, j.get("merge_ok").asInt());
        Runtime rt = Runtime.getRuntime();
        System.err.printf("cloudPhysics x64 (limit %d) in %s: %.1f s, %s IOPS, %s MB/s, latency %s, model %s, heap used %d MiB%n",
                limit, work, seconds, j.get("iops"), j.get("mb_per_s"), j.get("latency_us"), j.get("model"),
                (rt.totalMemory() - rt.freeMemory()) >> 20);
        return j;
    }

    private static void delete(Path tree) throws IOException {
        try (var all = Files.walk(tree)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
