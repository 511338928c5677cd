package org.ubdjava.cli.hostile;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 27, "nothing lost, nothing hangs, nothing misleads": every command given bad input
 * ({@link HostileCases}), each case held to {@link Rules} and named in the report
 * ("moo NEWFILE=fifo", "replay --pace NaN"). Each runs in-process in a fresh directory.
 * -Dubd.hostile.only=TEXT runs the cases whose name contains TEXT; -Dubd.hostile.timeout=S sets
 * the time after which a case is a hang (default 10 s).
 */
class HostileInputTest {
    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicTest> everyCommandRefusesBadInputCleanly() {
        Set<String> names = new HashSet<>();
        String only = System.getProperty("ubd.hostile.only", "");
        return HostileCases.all().stream().filter(c -> c.name().contains(only)).map(c -> {
            if (!names.add(c.name())) {
                throw new IllegalStateException("two cases named " + c.name());
            }
            return DynamicTest.dynamicTest(c.name(), () -> c.run(dir));
        });
    }
}
