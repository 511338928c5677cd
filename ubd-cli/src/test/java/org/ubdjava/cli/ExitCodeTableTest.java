package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * One exit-code table for every command: the same rows in each command's --help as in
 * {@link ExitCodes#table()}, and in the README's "Exit codes" section.
 */
class ExitCodeTableTest {
    @Test
    void everyCommandsHelpShowsTheOneTable() {
        CommandLine ubd = UbdMain.commandLine(false);
        List<CommandLine> all = new ArrayList<>();
        all.add(ubd);
        ubd.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                all.add(sub);
            }
        });
        assertTrue(all.size() >= 16, "ubd and its 15 commands: " + all.size());
        for (CommandLine c : all) {
            StringWriter help = new StringWriter();
            c.usage(new PrintWriter(help));
            String text = help.toString();
            String name = c.getCommandSpec().qualifiedName();
            int at = text.indexOf("Exit codes:");
            assertTrue(at >= 0, name + " --help has no exit codes:\n" + text);
            String table = text.substring(at).replaceAll("\\s+", " ");
            for (Map.Entry<String, String> row : ExitCodes.table().entrySet()) {
                assertTrue(table.contains(row.getKey() + " " + row.getValue()), name + " --help lacks the row " + row + ":\n" + text);
            }
            assertEquals(ExitCodes.table(), c.getCommandSpec().usageMessage().exitCodeList(), name);
        }
    }

    /** `ubd --help` lists each command by its first description line: a whole sentence, never one cut off. */
    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        CommandLine ubd = UbdMain.commandLine(false);
        ubd.getSubcommands().forEach((name, sub) -> {
            String[] description = sub.getCommandSpec().usageMessage().description();
            assertTrue(description.length > 0, name + " has no description");
            String first = description[0].strip();
            assertTrue(first.endsWith("."), name + "'s summary in ubd --help is not a whole sentence: " + first);
            assertTrue(first.length() <= 120, name + "'s summary is longer than a line: " + first);
        });
    }

    @Test
    void theReadmeHasTheSameTable() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int at = text.indexOf("## Exit codes");
        assertTrue(at >= 0, "README.md has a section \"## Exit codes\"");
        String section = text.substring(at, text.indexOf("\n## ", at + 3)).replaceAll("\\s+", " ");
        for (Map.Entry<String, String> row : ExitCodes.table().entrySet()) {
            assertTrue(section.contains("| " + row.getKey() + " | " + row.getValue() + " |"), "README lacks the row " + row + ":\n" + section);
        }
    }
}
