package org.ubdjava.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.testsupport.ByteMutation;
import org.ubdjava.core.testing.FuzzOutcome;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * UbdOptionParser.parse on mutated valid SPECs, several in a row into one parser (so "already
 * configured" and ubd=sync paths are reached): every argument gets an outcome, never an
 * exception; failures and warnings carry a non-empty message; the device table can be built.
 */
@Tag("fuzz")
class FuzzOptionParserTest {
    static final List<String> SEEDS = List.of("ubd0=cow.img,root_fs", "ubdbr=disk.img", "ubd=sync", "ubd1rsct=a:b:c",
            "ubd0d=raw.img", "ubd7=,back.img", "ubd15c=/x,/y,serial", "ubdz=x", "ubd255=x", "ubd16=x", "udb0=x",
            "fake_ide", "ubd0=a,b,c,d", "ubd3srcdt=f");

    @Property
    void everyArgumentGetsAnOutcome(@ForAll("specs") List<String> specs) {
        FuzzOutcome.expect(() -> {
            UbdOptionParser parser = new UbdOptionParser();
            for (String spec : specs) {
                ParseOutcome o = parser.parse(spec);
                assertNotNull(o, spec);
                assertEquals(spec, o.argument());
                if (o instanceof ParseOutcome.Failed f) {
                    assertFalse(f.message().isBlank(), spec);
                } else if (o instanceof ParseOutcome.Warning w) {
                    assertFalse(w.message().isBlank(), spec);
                }
            }
            List<UbdDeviceConfig> devices = parser.devicesAtDriverInit();
            assertFalse(devices.isEmpty(), "ubd0 is always there");
            return devices;
        }, specs);
    }

    @Provide
    Arbitrary<List<String>> specs() {
        Arbitrary<String> mutated = Arbitraries.of(SEEDS).flatMap(seed -> ByteMutation.any(24, 0, 3, 4, 5, 6).list().ofMaxSize(4)
                .map(ms -> new String(ByteMutation.applyAll(seed.getBytes(StandardCharsets.ISO_8859_1), ms),
                        StandardCharsets.ISO_8859_1)));
        Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(30).map(s -> "ubd" + s);
        return Arbitraries.oneOf(mutated, mutated, anything).list().ofMinSize(1).ofMaxSize(5).map(ArrayList::new);
    }
}
