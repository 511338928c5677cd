package org.ubdjava.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void anOrdinaryPathIsUnchanged() {
        String p = "/srv/images/disk 1.img\tcopy-é";
        assertSame(p, Printable.escape(p));
        assertNull(Printable.escape(null));
    }

    @Test
    void controlsBecomeVisibleEscapes() {
        assertEquals("a\\nb\\r\\x1b[31m\\x7f\\x9b2J\\u202eevil\\u2028", Printable.escape("a\nb\r\u001b[31m\u007f\u009b2J\u202eevil\u2028"));
    }

    @Test
    void escapingTwiceChangesNothing() {
        String once = Printable.escape("x\ny\u001b\u2066");
        assertEquals(once, Printable.escape(once));
    }
}
