package org.ubdjava.export.vhost;

import java.io.IOException;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The vhost-user fuzzer on random seeds: a million sessions with -Pfuzz. Tagged slow too, so that
 * an ordinary build runs only its fixed-seed sample (VhostFuzzSampleTest).
 */
@Tag("fuzz")
@Tag("slow")
class FuzzVhostUserTest {
    static VhostFuzz fuzz;

    @BeforeContainer
    static void start() throws IOException {
        fuzz = new VhostFuzz();
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            fuzz.finalChecks();
        } finally {
            fuzz.close();
        }
    }

    @Property
    void hostileSessionsNeverCrashTheServerOrTouchAnotherDisk(@ForAll long seed) throws IOException {
        fuzz.session(seed);
    }
}
