package org.ubdjava.cli.hostile;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The CLI fuzzer's inputs from a fixed seed, in the default suite: the same 60 every build (four per command), so a failure here repeats. */
class CliFuzzSampleTest {
    static final long SEED = 20261207;

    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicTest> fixedArgumentVectorsKeepTheRules() {
        return IntStream.range(0, 4 * CliFuzz.COMMANDS.size()).mapToObj(i -> {
            String command = CliFuzz.COMMANDS.get(i % CliFuzz.COMMANDS.size());
            return DynamicTest.dynamicTest("fuzz " + command + " #" + i, () -> {
                try (Scratch s = new Scratch(dir)) {
                    CliFuzz.Input in = CliFuzz.draw(new Random(SEED + i), s, command);
                    List<String> v = CliFuzz.check(in, s);
                    if (!v.isEmpty()) {
                        Assertions.fail("fuzz " + command + " #" + i + " (seed " + (SEED + i) + ")\n" + String.join("\n", v));
                    }
                }
            });
        });
    }
}
