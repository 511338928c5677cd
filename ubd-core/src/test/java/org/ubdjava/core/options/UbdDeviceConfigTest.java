package org.ubdjava.core.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UbdDeviceConfigTest {

    @Test
    void flagLettersRoundTripInKernelOrder() {
        assertEquals("rscdt", UbdFlags.fromLetters("tdcsr").letters());
        assertEquals("rc", UbdFlags.fromLetters("crr").letters());
        assertEquals("", UbdFlags.NONE.letters());
        assertEquals(new UbdFlags(false, false, false, true, false), UbdFlags.fromLetters("d"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UbdFlags.fromLetters("rw"));
        assertEquals("not a ubd flag letter: 'w' in \"rw\"", e.getMessage());
    }

    @Test
    void namesFollowTheUnit() {
        assertEquals("ubda", UbdDeviceConfig.of(0, "f", null, null, UbdFlags.NONE).name());
        assertEquals("ubdp", UbdDeviceConfig.of(15, "f", null, null, UbdFlags.NONE).name());
    }

    @Test
    void invariantsAreEnforced() {
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(16, "f", null, null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(-1, "f", null, null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> new UbdDeviceConfig(1, "ubda", "f", null, null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(0, "", null, null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(0, null, null, null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(0, "f", "", null, UbdFlags.NONE));
        assertThrows(IllegalArgumentException.class, () -> UbdDeviceConfig.of(0, "f", null, "", UbdFlags.NONE));
        assertThrows(NullPointerException.class, () -> UbdDeviceConfig.of(0, "f", null, null, null));
    }

    @Test
    void dWithABackingFileIsRepresentableBecauseTheKernelCanReachIt() {
        UbdOptionParser parser = new UbdOptionParser();
        parser.parse("ubd0=,back.img");
        parser.parse("ubd0dx");
        assertEquals(UbdDeviceConfig.of(0, "root_fs", "back.img", null, UbdFlags.fromLetters("d")),
                parser.devicesAtDriverInit().get(0));
    }
}
