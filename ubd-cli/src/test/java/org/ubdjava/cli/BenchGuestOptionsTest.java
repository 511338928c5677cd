package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ubd bench --guest}: what it does not combine with is a usage error before anything is made. */
class BenchGuestOptionsTest {
    @TempDir
    Path dir;

    private void refused(String firstLine, String... args) throws Exception {
        Path benchDir = dir.resolve("bench");
        String[] all = new String[args.length + 3];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--dir";
        all[args.length + 2] = benchDir.toString();
        CliRun r = CliRun.ubd(all);
        assertEquals(2, r.exit(), r.err());
        assertEquals(firstLine, r.err().lines().findFirst().orElse(""));
        assertTrue(!Files.exists(benchDir), "nothing made");
    }

    @Test
    void guestAndReplayAreTwoRuns() throws Exception {
        refused("ubd bench: --replay and --guest are two different runs: give one", "--guest", "--replay");
    }

    @Test
    void guestTakesNoTrace() throws Exception {
        refused("ubd bench: --guest takes no --trace (fio runs its own workloads in the guest)", "--guest", "--trace", dir.resolve("t.iolog").toString());
    }

    @Test
    void guestRoundsAreCheckedAsAnyRounds() throws Exception {
        CliRun r = CliRun.ubd("bench", "--guest", "--rounds", "0", "--dir", dir.resolve("bench").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().lines().findFirst().orElse("").contains("--rounds"), r.err());
    }
}
