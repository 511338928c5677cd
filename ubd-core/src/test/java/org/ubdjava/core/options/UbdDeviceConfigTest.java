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

    @Test
    void oneSpecIsOneDeviceOrOneLineSayingWhyNot() {
        UbdDeviceConfig c = UbdOptionParser.device("ubd1r=vm.cow,base.img");
        assertEquals("ubdb", c.name());
        assertEquals("vm.cow", c.file());
        assertEquals("base.img", c.backing());
        assertEquals("\"ubd=sync\" configures no device (expected ubd<N>[flags]=FILE[,BACKING[,SERIAL]])",
                assertThrows(org.ubdjava.core.UbdException.class, () -> UbdOptionParser.device("ubd=sync")).getMessage());
        assertEquals("\"ubd1=\" configures no device (expected ubd<N>[flags]=FILE[,BACKING[,SERIAL]])",
                assertThrows(org.ubdjava.core.UbdException.class, () -> UbdOptionParser.device("ubd1=")).getMessage());
        org.ubdjava.core.options.ParseOutcome.Failed f = (org.ubdjava.core.options.ParseOutcome.Failed) new UbdOptionParser().parse("ubd0q=x");
        assertEquals(f.message(), assertThrows(org.ubdjava.core.UbdException.class, () -> UbdOptionParser.device("ubd0q=x")).getMessage());
    }
}
