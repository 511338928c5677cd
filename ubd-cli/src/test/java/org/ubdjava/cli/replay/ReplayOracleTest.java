package org.ubdjava.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;
import org.ubdjava.testsupport.RequiresUmlKernel;

import com.fasterxml.jackson.core.type.TypeReference;

/** ubd replay --oracle: the real kernel reads sampled VMs' COW files, and its reading is checked against the model. */
@RequiresUmlKernel
class ReplayOracleTest {
    @TempDir
    Path dir;

    private String[] args(String... extra) throws Exception {
        String[] fixed = {"--merge-check", "0", "--force"};
        String[] all = java.util.Arrays.copyOf(fixed, fixed.length + extra.length);
        System.arraycopy(extra, 0, all, fixed.length, extra.length);
        return ReplayRun.demoArgs(dir, 9, 3, all);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRealKernelReadsEverySampledVmAsTheModelSays() throws Exception {
        // shifted in time too: a VM that started mid-trace ends with its own order's last writes;
        // two at a time: the files the kernel reads outlive their VMs, then go like the others
        ReplayRun r = ReplayRun.of(args("--oracle", "3", "--shift-space", "--shift-time", "--at-once", "2"));
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> json = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(Map.of("requested", 3, "checked", 3, "ok", 3), withoutNull((Map<String, Object>) json.get("oracle")));
        try (var left = java.nio.file.Files.list(dir.resolve("run"))) {
            assertEquals(java.util.List.of(), left.toList());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void andCatchesACowFileThatLacksWhatWasAcknowledged() throws Exception {
        // dropped writes report success without reaching the COW file: the kernel must read the old data
        ReplayRun r = ReplayRun.of(args("--oracle", "1", "--inject", "drop-writes:40"));
        assertEquals(1, r.exit());
        Map<String, Object> json = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(Map.of("requested", 1, "checked", 1, "ok", 0), withoutNull((Map<String, Object>) json.get("oracle")),
                "the kernel's reading was found wrong");
    }

    private static Map<String, Object> withoutNull(Map<String, Object> m) {
        m.values().removeIf(v -> v == null);
        return m;
    }
}
