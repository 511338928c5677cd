package org.ubdjava.export.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ubdjava.testsupport.TempDirs;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The NBD wire fuzzer ({@link NbdWireFuzz}): handshakes and transmission requests, bad magics,
 * lying lengths, unknown flags and types, cut messages; one server for all tries, which never
 * crashes, keeps serving, and never lets one client touch another's disk. A quick pass in every
 * build, a million inputs each with -Pfuzz.
 */
@Tag("fuzz")
class FuzzNbdWireTest {
    static Path dir;
    static NbdWireFuzz fuzz;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("fuzz-nbd");
        fuzz = new NbdWireFuzz(dir);
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            fuzz.close();
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Provide
    Arbitrary<byte[]> handshakes() {
        return Arbitraries.randomValue(NbdWireFuzz::handshake);
    }

    @Provide
    Arbitrary<byte[]> transmissions() {
        return Arbitraries.randomValue(NbdWireFuzz::transmission);
    }

    @Property
    void anyHandshakeLeavesTheServerServingAndOtherDisksAlone(@ForAll("handshakes") byte[] input) throws Exception {
        fuzz.send(input);
    }

    @Property
    void anyRequestsLeaveTheServerServingAndOtherDisksAlone(@ForAll("transmissions") byte[] input) throws Exception {
        fuzz.send(input);
    }
}
