package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ubdjava.core.io.DemoImage;

/**
 * Every number a user gives is checked before anything is opened, allocated or created: a wrong
 * one exits 2 with a first stderr line naming the option (the usage follows it), never an
 * internal error, a hang or an OutOfMemoryError.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NumericOptionsTest {
    @TempDir
    static Path dir;

    static Stream<List<String>> wrongNumbers() {
        return Stream.of(
                replay("--pace", "NaN"), replay("--pace", "Infinity"), replay("--pace", "-1"), replay("--pace", "1e-300"), replay("--pace", "1e300"),
                replay("--vms", "0"), replay("--vms", "100000000"),
                replay("--max-inflight", "0"), replay("--max-inflight", "100000000"),
                replay("--oracle", "-1"), replay("--merge-check", "-1"), replay("--at-once", "-1"),
                replay("--warm-up", "-1"), replay("--warm-up", "99999999999"),
                serve("unix:", "--warm-up", "-1"), serve("unix:", "--warm-up", "NaN"), serve("vhost-user:", "--warm-up", "-1"),
                serve("vhost-user:", "--warm-up", "99999999999"), device("uml", "--warm-up", "-1"),
                replay("--limit", "0"), replay("--limit", "-5"), replay("--alloc-unit", "3K"),
                List.of("cache-sim", "--vms", "100000000"), List.of("cache-sim", "--vms", "0"),
                List.of("cache-sim", "--sample", "NaN"), List.of("cache-sim", "--limit", "0"),
                List.of("cache-sim", "--size", "4096GiB"),
                List.of("bench", "--replay", "--vms", "1,0"), List.of("bench", "--replay", "--vms", "100000000"),
                List.of("bench", "--replay", "--rounds", "0"),
                device("cat", "--offset", "-512"), device("cat", "--offset", "100"), device("cat", "--length", "-512"),
                device("cat", "--length", "1000"),
                device("write", "--offset", "-512"), device("write", "--offset", "100"));
    }

    private static List<String> replay(String option, String value) {
        return List.of("replay", option, value, "--trace", dir.resolve("t.iolog").toString(),
                "ubd0=" + dir.resolve("vm.cow") + "," + dir.resolve("base.img"));
    }

    private static List<String> serve(String scheme, String option, String value) {
        return List.of("serve", option, value, "--listen", scheme + dir.resolve("s.sock"), "ubd0=" + dir.resolve("vm.cow") + "," + dir.resolve("base.img"));
    }

    private static List<String> device(String command, String... options) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of(options));
        a.add("ubd0=" + dir.resolve("vm.cow") + "," + dir.resolve("base.img"));
        return a;
    }

    @ParameterizedTest
    @MethodSource("wrongNumbers")
    void aWrongNumberExitsTwoNamingTheOptionBeforeAnythingIsMade(List<String> args) throws Exception {
        Path backing = dir.resolve("base.img");
        if (!Files.exists(backing)) {
            DemoImage.create(backing, 1 << 20, 3, 1);
            Files.writeString(dir.resolve("t.iolog"), "fio version 2 iolog\nd add\nd open\nd read 0 4096\nd close\n");
        }
        List<Path> before = list();
        CliRun r = CliRun.ubd(args.toArray(String[]::new));
        String first = r.err().lines().findFirst().orElse("");
        assertEquals(2, r.exit(), args + ": " + r.err());
        assertTrue(first.startsWith("ubd " + args.get(0) + ": "), first);
        assertTrue(first.contains(args.get(args.get(1).equals("--replay") ? 2 : 1)), "names the option: " + first);
        assertFalse(r.err().contains("internal error") || r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertTrue(r.err().lines().skip(1).findFirst().orElse("Usage:").startsWith("Usage:"), "one line, then the usage: " + r.err());
        assertEquals(before, list(), "nothing made");
    }

    private static List<Path> list() throws Exception {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
