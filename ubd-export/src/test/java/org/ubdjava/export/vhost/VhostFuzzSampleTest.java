package org.ubdjava.export.vhost;

import org.junit.jupiter.api.Test;

/** The vhost-user fuzzer on fixed seeds, in every build (the long run: FuzzVhostUserTest, -Pfuzz). */
class VhostFuzzSampleTest {
    @Test
    void fixedHostileSessionsLeaveTheServerServingAndOtherDisksAlone() throws Exception {
        try (VhostFuzz fuzz = new VhostFuzz()) {
            for (long seed = 0; seed < 60; seed++) {
                fuzz.session(seed);
            }
            fuzz.finalChecks();
        }
    }
}
