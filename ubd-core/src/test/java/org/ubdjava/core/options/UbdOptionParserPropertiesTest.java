package org.ubdjava.core.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the option parser that must hold for any input, not just the table's rows. */
class UbdOptionParserPropertiesTest {

    private static final Set<String> KERNEL_REASONS = Set.of(
            "Couldn't parse device number",
            "Device number out of range",
            "Device is already configured",
            "Expected '=' or flag letter (r, s, c, t or d)",
            "Too many flags specified",
            "Missing '='",
            "Can't specify both 'd' and a cow file");

    /** Text after "ubd": mostly the characters the grammar cares about, sometimes anything at all. */
    @Provide
    Arbitrary<String> optionText() {
        Arbitrary<String> grammarish = Arbitraries.strings()
                .withChars("0123456789abcdefpqxXrscdtRSD=,:=-_ /.\0")
                .ofMaxLength(24);
        Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(24);
        return Arbitraries.frequencyOf(
                Tuple.of(4, grammarish),
                Tuple.of(1, anything));
    }

    @Property(tries = 2000)
    void everyUbdArgumentGetsAnOutcomeAndNeverAnException(@ForAll("optionText") String text) {
        String argument = "ubd" + text;
        ParseOutcome outcome = new UbdOptionParser().parse(argument);

        assertNotNull(outcome);
        assertEquals(argument, outcome.argument());
        assertFalse(outcome instanceof ParseOutcome.Ignored, "a ubd… argument is always ours");
    }

    @Property(tries = 2000)
    void acceptedDevicesHoldExactlyTheFieldsAfterTheFirstEquals(@ForAll("optionText") String text) {
        ParseOutcome outcome = new UbdOptionParser().parse("ubd" + text);
        if (!(outcome instanceof ParseOutcome.Configured configured)) {
            return;
        }
        UbdDeviceConfig device = configured.device();
        assertTrue(device.unit() >= 0 && device.unit() < 16, device::toString);
        assertEquals("ubd" + (char) ('a' + device.unit()), device.name());

        // Unit and flag letters never contain '=', so the first '=' starts the file fields.
        String visible = text.contains("\0") ? text.substring(0, text.indexOf('\0')) : text;
        String head = visible.substring(0, visible.indexOf('='));
        String[] fields = visible.substring(visible.indexOf('=') + 1).split("[,:]", -1);
        assertEquals(fieldOrNull(fields, 0), device.file());
        assertEquals(fieldOrNull(fields, 1), device.backing());
        assertEquals(fieldOrNull(fields, 2), device.serial());
        assertFalse(device.flags().noCow() && device.backing() != null, "d with a backing file from one option");

        // A fresh parser has no sticky flags and no ubd=sync, so every flag was written here.
        for (char flag : device.flags().letters().toCharArray()) {
            assertTrue(head.indexOf(flag) >= 0, () -> device.flags() + " not all given in " + head);
        }
    }

    @Property(tries = 2000)
    void failuresPrintTheKernelLineEchoingTheOption(@ForAll("optionText") String text) {
        ParseOutcome outcome = new UbdOptionParser().parse("ubd" + text);
        if (!(outcome instanceof ParseOutcome.Failed failed)) {
            return;
        }
        String visible = text.contains("\0") ? text.substring(0, text.indexOf('\0')) : text;
        assertTrue(KERNEL_REASONS.contains(failed.reason()), failed::reason);
        assertEquals("Failed to initialize device with \"" + failed.echoedText() + "\" : " + failed.reason(), failed.message());
        if (failed.reason().equals("Can't specify both 'd' and a cow file")) {
            String cut = visible.substring(0, indexOfSeparatorAfterEquals(visible));
            assertEquals(cut, failed.echoedText());
        } else {
            assertEquals(visible, failed.echoedText());
        }
    }

    @Property(tries = 500)
    void sixFlagLettersAreAcceptedSevenAreNot(@ForAll @IntRange(min = 0, max = 15) int unit,
            @ForAll("flagWords") String flags) {
        ParseOutcome outcome = new UbdOptionParser().parse("ubd" + unit + flags + "=disk.img");
        if (flags.length() <= 6) {
            UbdDeviceConfig device = assertInstanceOf(ParseOutcome.Configured.class, outcome).device();
            assertEquals(unit, device.unit());
            assertEquals(new TreeSet<>(chars(flags)), new TreeSet<>(chars(device.flags().letters())));
        } else {
            String expected = flags.length() == 7 ? "Too many flags specified" : "Missing '='";
            assertEquals(expected, assertInstanceOf(ParseOutcome.Failed.class, outcome).reason());
        }
    }

    @Provide
    Arbitrary<String> flagWords() {
        return Arbitraries.strings().withChars("rscdt").ofMinLength(0).ofMaxLength(9);
    }

    @Property(tries = 300)
    void anySequenceLeavesAConsistentTable(@ForAll @Size(max = 12) List<@From("optionText") String> texts) {
        UbdOptionParser parser = new UbdOptionParser();
        texts.forEach(t -> parser.parse("ubd" + t));
        List<UbdDeviceConfig> table = parser.devicesAtDriverInit();

        assertEquals(0, table.get(0).unit(), "ubd0 always exists at driver init");
        for (int i = 1; i < table.size(); i++) {
            assertTrue(table.get(i - 1).unit() < table.get(i).unit(), "units strictly ascending");
        }
        assertTrue(table.size() <= 16);
        List<UbdDeviceConfig> configured = parser.configuredDevices();
        assertEquals(configured.isEmpty() || configured.get(0).unit() != 0 ? configured.size() + 1 : configured.size(),
                table.size());
    }

    private static String fieldOrNull(String[] fields, int i) {
        return i < fields.length && !fields[i].isEmpty() ? fields[i] : null;
    }

    private static int indexOfSeparatorAfterEquals(String text) {
        int eq = text.indexOf('=');
        for (int i = eq + 1; i < text.length(); i++) {
            if (text.charAt(i) == ',' || text.charAt(i) == ':') {
                return i;
            }
        }
        return text.length();
    }

    private static List<Character> chars(String s) {
        return Arrays.asList(s.chars().mapToObj(c -> (char) c).toArray(Character[]::new));
    }
}
