package org.ubdjava.core.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of ubd-options.table: arguments in, the last argument's outcome and
 * the device table at driver init out, compared as exact strings.
 */
class UbdOptionTableTest {

    private static final String TABLE = "ubd-options.table";
    private static final String COLUMN_SEPARATOR = " | ";

    record Row(int line, List<String> arguments, String expectedOutcome, List<String> expectedTable) {
        @Override
        public String toString() {
            return "line " + line + ": " + String.join(" ", arguments);
        }
    }

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = UbdOptionTableTest.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IOException("missing test resource " + TABLE);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String text;
            int lineNumber = 0;
            while ((text = reader.readLine()) != null) {
                lineNumber++;
                if (text.isBlank() || text.startsWith("#")) {
                    continue;
                }
                String[] columns = text.split(" \\| ", -1);
                if (columns.length != 3) {
                    throw new IOException(TABLE + ":" + lineNumber + ": expected 3 columns separated by '"
                            + COLUMN_SEPARATOR + "', got " + columns.length);
                }
                rows.add(new Row(lineNumber, Arrays.asList(columns[0].trim().split(" +")), columns[1].trim(),
                        Arrays.stream(columns[2].trim().split(" ; ")).map(String::trim).toList()));
            }
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rowOfTheTable(Row row) {
        UbdOptionParser parser = new UbdOptionParser();
        List<ParseOutcome> outcomes = parser.parseAll(row.arguments());
        ParseOutcome last = outcomes.get(outcomes.size() - 1);

        assertEquals(row.arguments().get(row.arguments().size() - 1), last.argument());
        assertEquals(row.expectedOutcome(), describe(last));
        assertEquals(row.expectedTable(), parser.devicesAtDriverInit().stream().map(UbdOptionTableTest::describe).toList());
        if (last instanceof ParseOutcome.Configured configured) {
            // The reported device is the slot as the table holds it afterwards.
            assertTrue(parser.configuredDevices().contains(configured.device()), () -> configured + " not in table");
        }
    }

    @Test
    void tableIsNotTrivial() throws IOException {
        // Guards against a parsing slip in this test that would silently drop most rows.
        List<Row> rows = rows();
        assertTrue(rows.size() >= 100, "only " + rows.size() + " rows");
        List<String> kinds = rows.stream().map(r -> r.expectedOutcome().split(" ")[0]).distinct().sorted().toList();
        assertEquals(List.of("configured", "error", "ignored", "sync", "unconfigured", "warning"), kinds);
    }

    static String describe(ParseOutcome outcome) {
        if (outcome instanceof ParseOutcome.Configured) {
            return "configured";
        }
        if (outcome instanceof ParseOutcome.LeftUnconfigured unconfigured) {
            return "unconfigured " + unconfigured.unit();
        }
        if (outcome instanceof ParseOutcome.SyncEnabled) {
            return "sync";
        }
        if (outcome instanceof ParseOutcome.Ignored) {
            return "ignored";
        }
        if (outcome instanceof ParseOutcome.Warning warning) {
            return "warning " + warning.message();
        }
        return "error " + assertInstanceOf(ParseOutcome.Failed.class, outcome).message();
    }

    static String describe(UbdDeviceConfig device) {
        return List.of(device.name(), device.file(), orDash(device.backing()), orDash(device.serial()),
                orDash(device.flags().letters())).stream().collect(Collectors.joining(" "));
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
