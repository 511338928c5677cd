package org.ubdjava.cli.hostile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ubdjava.testsupport.TempDirs;

/**
 * The CLI fuzzer ({@link CliFuzz}): random argument vectors for every command, each held to
 * {@link Rules}. -Dubd.fuzz.cli.inputs=N inputs (a quick pass in every build, many with -Pfuzz),
 * -Dubd.fuzz.cli.seed=S to repeat a run; each failure names the seed that draws it again.
 */
@Tag("fuzz")
class FuzzCliTest {
    @Test
    void randomArgumentVectorsKeepTheRules() throws Exception {
        int inputs = Integer.getInteger("ubd.fuzz.cli.inputs", 30);
        long seed = Long.getLong("ubd.fuzz.cli.seed", new Random().nextLong());
        Path dir = Files.createTempDirectory("fuzz-cli");
        List<String> failures = new ArrayList<>();
        int failed = 0;
        try {
            for (int i = 0; i < inputs; i++) {
                long one = seed + i;
                try (Scratch s = new Scratch(dir)) {
                    List<String> v = CliFuzz.check(CliFuzz.draw(new Random(one), s, null), s);
                    if (!v.isEmpty()) {
                        failed++;
                        if (failures.size() < 20) {
                            failures.add("input " + i + " (seed " + one + "):\n" + String.join("\n", v));
                        }
                    }
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
        if (failed > 0) {
            Assertions.fail(failed + " of " + inputs + " inputs broke the rules (-Dubd.fuzz.cli.seed=" + seed + " repeats them); the first "
                    + failures.size() + ":\n\n" + String.join("\n\n", failures));
        }
    }
}
