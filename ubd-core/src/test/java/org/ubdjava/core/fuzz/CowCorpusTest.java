package org.ubdjava.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;

/**
 * The fuzzers' corpus (src/test/resources/fuzz-corpus/cow): inputs that once broke a reader, and
 * hand-picked edge cases. expected.tsv gives, for each, what {@code ubd check} does with it: the
 * exception's message from open, or check's first problem line, or "OK" ({cow} stands for the
 * file's path). A file without a line fails the test, so the corpus cannot grow unchecked.
 */
class CowCorpusTest {
    static Path corpus() throws URISyntaxException {
        return Path.of(CowCorpusTest.class.getResource("/fuzz-corpus/cow/expected.tsv").toURI()).getParent();
    }

    static List<String[]> expectations() throws IOException, URISyntaxException {
        return Files.readAllLines(corpus().resolve("expected.tsv"), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.split("\t", 2)).toList();
    }

    @TestFactory
    Stream<DynamicTest> eachCorpusFileGivesItsExpectedOutcome() throws IOException, URISyntaxException {
        Path dir = corpus();
        return expectations().stream().map(e -> DynamicTest.dynamicTest(e[0], () -> {
            Path cow = dir.resolve(e[0]);
            String expected = e[1].replace("{cow}", cow.toString()).replace("{cwd}", Path.of("").toAbsolutePath().toString());
            String actual = outcome(cow);
            if (expected.endsWith("...")) {
                assertTrue(actual.startsWith(expected.substring(0, expected.length() - 3)), actual);
            } else {
                assertEquals(expected, actual);
            }
        }));
    }

    @Test
    void everyCorpusFileHasAnExpectation() throws IOException, URISyntaxException {
        List<String> named = expectations().stream().map(e -> e[0]).sorted().toList();
        try (Stream<Path> s = Files.list(corpus())) {
            List<String> files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cow")).sorted().toList();
            assertEquals(files, named);
        }
    }

    /** What check reports: the one-line failure of open, else the first problem, else OK. */
    static String outcome(Path cow) throws IOException {
        try (CowFile f = CowFile.open(cow)) {
            List<String> problems = CowInspector.check(f);
            try {
                CowInspector.map(f);
            } catch (UbdException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
            problems.forEach(p -> assertFalse(p.contains("\n"), p));
            return problems.isEmpty() ? "OK" : problems.get(0);
        } catch (UbdException e) {
            assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
            return e.getMessage();
        }
    }
}
