package org.ubdjava.cli.replay;

import org.ubdjava.core.io.DemoImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.core.type.TypeReference;

/**
 * The soak: 100 VMs replay the demo trace round after round for {@code -Dubd.soak.minutes}
 * (default 10) with verification on, each round with a random fault: none, stale reads, or
 * dropped writes, every Nth for a random N. Nothing may go undetected: every stale read injected
 * must show as exactly one mismatched sector, a round with dropped writes must fail, and a round
 * without faults must pass (no false alarm). Tagged slow: {@code mvn verify -Pslow} runs it, the
 * default build skips it.
 */
@Tag("slow")
class ReplaySoakTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void hundredVmsWithRandomFaultsLeaveNothingUndetected() throws Exception {
        long minutes = Long.getLong("ubd.soak.minutes", 10);
        long deadline = System.nanoTime() + minutes * 60_000_000_000L;
        Path backing = dir.resolve("base.img");
        DemoImage.create(backing, 64L << 20, 3, 11);
        Path trace = ReplayRun.demoTrace(dir);
        Random rnd = new Random(Long.getLong("ubd.soak.seed", 20261125));
        int rounds = 0;
        long requests = 0;
        long staleInjected = 0;
        long dropsInjected = 0;
        long detected = 0;
        int dropRounds = 0;
        int cleanRounds = 0;
        Files.createDirectories(dir.resolve("run"));
        while (System.nanoTime() < deadline || rounds == 0) {
            String fault = switch (rnd.nextInt(3)) {
                case 0 -> null;
                case 1 -> "stale-reads:" + (5 + rnd.nextInt(200));
                default -> "drop-writes:" + (5 + rnd.nextInt(200));
            };
            String[] args = fault == null
                    ? new String[] {"replay", "--trace", trace.toString(), "--vms", "100", "--json", "--force", "--merge-check", "1",
                            "ubd0=" + dir.resolve("run/vm.cow") + "," + backing}
                    : new String[] {"replay", "--trace", trace.toString(), "--vms", "100", "--json", "--force", "--merge-check", "1",
                            "--inject", fault, "ubd0=" + dir.resolve("run/vm.cow") + "," + backing};
            ReplayRun r = ReplayRun.of(args);
            Map<String, Object> json = Json.mapper().readValue(r.out(), new TypeReference<Map<String, Object>>() { });
            requests += ((Number) json.get("requests")).longValue();
            long mismatches = ((Number) json.get("mismatches")).longValue();
            String round = "round " + rounds + " (" + (fault == null ? "no fault" : fault) + "): ";
            assertEquals(true, json.get("backing_unchanged"), round + "the backing file changed");
            if (fault == null) {
                cleanRounds++;
                assertEquals(0, r.exit(), round + "a false alarm: " + r.err());
            } else {
                long n = ((Number) json.get("faults_injected")).longValue();
                if (fault.startsWith("stale")) {
                    staleInjected += n;
                    assertEquals(n, mismatches, round + "every stale read must be caught, once");
                    detected += mismatches;
                } else {
                    dropsInjected += n;
                    dropRounds++;
                    assertTrue(n == 0 || r.exit() == 1, round + n + " dropped writes went unnoticed");
                }
            }
            rounds++;
        }
        System.out.printf("soak: %d rounds in %d min (%d clean, %d with dropped writes: %d writes dropped, every such round failed), "
                + "%d requests, %d stale reads injected and %d caught, 0 undetected, 0 false alarms%n",
                rounds, minutes, cleanRounds, dropRounds, dropsInjected, requests, staleInjected, detected);
        Files.writeString(dir.resolve("done"), "ok");
    }
}
