package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

/** What {@code bin/ubd} builds at start: only the command the arguments name, answering as the whole application does. */
class UbdMainTest {
    private static final Set<String> ALL = UbdMain.commandLine(false).getSubcommands().keySet();

    @Test
    void buildsOnlyTheCommandTheArgumentsName() {
        assertEquals(Set.of("rebase"), names("rebase", "--safe", "a.cow", "new.img"));
        assertEquals(Set.of("info"), names("--debug", "info", "a.cow"));
        assertEquals(Set.of("report"), names("report", "merge", "--help"));
    }

    @Test
    void buildsEveryCommandWhenTheArgumentsNameNone() {
        assertEquals(18, ALL.size(), "every command and help: " + ALL);
        assertEquals(ALL, names());
        assertEquals(ALL, names("--help"));
        assertEquals(ALL, names("--version"));
        assertEquals(ALL, names("help", "rebase"));
        assertEquals(ALL, names("nope"));
        assertEquals(ALL, names("--debug"));
    }

    static Stream<List<String>> argumentLists() {
        return Stream.of(
                List.of("rebase", "--help"), List.of("mkcow", "--help"), List.of("replay", "--help"),
                List.of("serve", "--help"), List.of("bench", "--help"), List.of("report", "merge", "--help"),
                List.of("--debug", "info", "--help"),
                List.of("info"), List.of("info", "--bogus"), List.of("mkcow", "-x"), List.of("rebase", "--safe"),
                List.of("info", "/nonexistent/dir/vm.cow"), List.of("compare", "/nonexistent/a", "/nonexistent/b"),
                List.of("help", "rebase"), List.of("nope"), List.of(), List.of("--help"), List.of("--version"),
                // careless shapes: an empty word, the end of options, a dash, a name in capitals, a word with a newline
                List.of(""), List.of("--", "info"), List.of("-"), List.of("REBASE", "--help"), List.of("info\n", "--help"));
    }

    /** Same exit code, same stdout, same stderr, byte for byte. */
    @ParameterizedTest
    @MethodSource("argumentLists")
    void aCommandBuiltAloneAnswersAsTheWholeApplication(List<String> args) {
        String[] a = args.toArray(String[]::new);
        assertEquals(run(UbdMain.commandLine(false), a), run(UbdMain.commandLine(a, false), a), String.join(" ", args));
    }

    private static Set<String> names(String... args) {
        return UbdMain.commandLine(args, false).getSubcommands().keySet();
    }

    private static List<Object> run(CommandLine cl, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return List.of(exit, out.toString(), err.toString());
    }
}
