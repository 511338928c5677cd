package org.ubdjava.export.nbd;

import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The wire fuzzer's inputs from fixed seeds, in the default suite: the same 150 every build, so a failure here repeats. */
@Timeout(120)
class NbdWireFuzzSampleTest {
    @TempDir
    Path dir;

    @Test
    void fixedHandshakesAndRequestsLeaveTheServerServingAndOtherDisksAlone() throws Exception {
        try (NbdWireFuzz fuzz = new NbdWireFuzz(dir)) {
            Random r = new Random(20261202);
            for (int i = 0; i < 75; i++) {
                fuzz.send(NbdWireFuzz.handshake(r));
                fuzz.send(NbdWireFuzz.transmission(r));
            }
        }
    }
}
