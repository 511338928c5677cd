package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.databind.JsonNode;

/** How the replay's COW files grow: by 1 MiB units by default, block by block, or whole; the same checks and, once closed, the same disk use. */
class ReplayAllocationTest {
    @TempDir
    Path dir;

    private JsonNode passes(String... extra) throws Exception {
        String[] args = ReplayRun.demoArgs(dir, 5, 4, extra);
        String[] forced = new String[args.length + 1];
        System.arraycopy(args, 0, forced, 0, args.length - 1);
        forced[args.length - 1] = "--force";
        forced[args.length] = args[args.length - 1];
        ReplayRun r = ReplayRun.of(forced);
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(0, j.get("mismatches").asLong());
        assertTrue(j.get("backing_unchanged").asBoolean());
        assertTrue(j.get("bitmaps_exact").asBoolean());
        return j;
    }

    @Test
    void byDefaultTheFilesGrowByMibUnitsAndEndAsSmallAsBlockByBlock() throws Exception {
        JsonNode units = passes();
        assertEquals(1 << 20, units.get("schedule").get("alloc_unit").asLong());
        assertEquals("off", units.get("schedule").get("preallocation").asText());
        long touched = unitsTouched(dir.resolve("run/vm-0.cow"), 1 << 20);
        JsonNode blocks = passes("--alloc-unit", "0");
        assertEquals(0, blocks.get("schedule").get("alloc_unit").asLong());
        long withUnits = units.get("disk_usage").get("cow_disk_usage_per_vm").asLong();
        long blockwise = blocks.get("disk_usage").get("cow_disk_usage_per_vm").asLong();
        long distinct = units.get("disk_usage").get("distinct_bytes_per_vm").asLong();
        assertTrue(distinct > 0 && blockwise >= distinct, blockwise + " for " + distinct);
        // the units the writes touched were reserved whole; what no write used was given back at close
        // (gaps under 64 KiB stay): less than the units, at least what block by block takes
        assertTrue(withUnits >= blockwise && withUnits < touched * (1 << 20) * 3 / 4,
                withUnits + " with 1 MiB units (" + touched + " touched), " + blockwise + " block by block");
        JsonNode small = passes("--alloc-unit", "64K");
        assertEquals(64 << 10, small.get("schedule").get("alloc_unit").asLong());
    }

    /** 1 MiB units of the file (aligned in the file, as the driver reserves them) holding a written sector. */
    private static long unitsTouched(Path cow, long unit) throws Exception {
        try (CowFile f = CowFile.open(cow)) {
            long base = f.geometry().dataOffset();
            return LongStream.range(0, f.bitmap().bits()).filter(s -> f.bitmap().get(s)).map(s -> (base + s * 512) / unit)
                    .distinct().count();
        }
    }

    @Test
    void preallocatedFilesTakeTheWholeDeviceAndNoUnit() throws Exception {
        JsonNode j = passes("--preallocate", "falloc");
        assertEquals("falloc", j.get("schedule").get("preallocation").asText());
        assertEquals(0, j.get("schedule").get("alloc_unit").asLong());
        assertTrue(j.get("disk_usage").get("cow_disk_usage_per_vm").asLong() >= 64L << 20, j.get("disk_usage").toString());
    }

    @Test
    void aUnitThatIsNotAPowerOfTwoOfAtLeast4KIsAWrongCommandLine() throws Exception {
        for (String bad : new String[] {"3K", "2048", "-1", "lots"}) {
            ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 5, 1, "--alloc-unit", bad));
            assertEquals(2, r.exit(), bad + ": " + r.err());
            assertTrue(r.err().contains("--alloc-unit"), r.err());
        }
        ReplayRun r = ReplayRun.of(ReplayRun.demoArgs(dir, 5, 1, "--alloc-unit", "3K"));
        assertTrue(r.err().contains("allocation unit must be 0 or a power of two of at least 4096 bytes, not 3072"), r.err());
    }
}
