package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** `ubd bench --replay` starts its fresh-JVM case through the launcher of the checkout it was built in. */
class BenchLauncherTest {
    @Test
    void theLauncherIsBinUbdOfThisCheckout() {
        Path root = Path.of(System.getProperty("ubd.repo.root", "..")).toAbsolutePath().normalize();
        assertEquals(List.of(root.resolve("bin").resolve("ubd").toString()), BenchCommand.launcher());
    }
}
