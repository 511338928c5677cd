package org.ubdjava.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import net.jqwik.api.Tag;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.testsupport.ByteMutation;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.core.testing.FuzzOutcome;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * CowHeaderReader.decode on valid v1, v2, v3 and broken-v3 headers, mutated: it returns a header
 * whose geometry is sane, or fails with the project's exception. Tries: jqwik.tries.default (the
 * build sets a few hundred; the fuzz profile a million). The work per input is bounded by
 * construction (at most 4136 bytes are looked at), and by {@link FuzzOutcome}'s time bound.
 */
@Tag("fuzz")
class FuzzCowHeaderTest {
    /** Every layout's field offsets: where a boundary value can do harm. */
    static final int[] FIELDS = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 264, 268, 276, 4104, 4108, 4116, 4127, 4128, 4132, 4135};

    @Property
    void decodeGivesASaneHeaderOrOurException(@ForAll("seeds") Seed seed, @ForAll("mutations") List<ByteMutation> mutations) {
        byte[] input = ByteMutation.applyAll(seed.bytes(), mutations);
        FuzzOutcome.expect(() -> {
            CowHeader h = CowHeaderReader.decode(ByteBuffer.wrap(input));
            assertSane(h);
            return h;
        }, seed + " " + mutations);
    }

    /** What every reader of a decoded header relies on: non-negative, int-addressable, a bitmap that can be built. */
    static void assertSane(CowHeader h) {
        CowGeometry g = h.geometry();
        String why = h + " -> " + g;
        assertTrue(h.size() >= 0, why);
        assertTrue(g.sectors() >= 0 && g.sectors() == (h.size() + g.sectorSize() - 1) / g.sectorSize(), why);
        assertTrue(g.bitmapOffset() >= 0 && g.bitmapLength() >= 0 && g.bitmapBytes() >= 0, why);
        assertTrue(g.dataOffset() >= g.bitmapOffset() + g.bitmapLength(), why);
        assertTrue(g.dataOffset() <= CowHeaderReader.MAX_OFFSET, why);
        assertTrue(g.coveredSectors() >= 0 && g.coveredSectors() <= g.bitmapBytes() * 8, why);
    }

    /** A valid header to start from; printed by name, so a failing case reads as "v3-long-path + [mutations]". */
    record Seed(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    @Provide
    Arbitrary<Seed> seeds() {
        String p = "/var/lib/uml/root_fs";
        String longV1 = "/" + "a".repeat(254);
        String longV3 = "/" + "b".repeat(4094);
        return Arbitraries.of(
                new Seed("v3", CowFixtures.v3Header(p, CowFixtures.MTIME, 1 << 20, 512, 4096)),
                new Seed("v3-longest-path-align-512", CowFixtures.v3Header(longV3, 0, 0, 512, 512)),
                new Seed("v3-utf8-path-4k-sectors", CowFixtures.v3Header("/\u00fc", 0xFFFF_FFFFL, 100, 4096, 4096)),
                new Seed("v3-broken", CowFixtures.v3BrokenHeader(p, CowFixtures.MTIME, 10240, 512, 4096)),
                new Seed("v2", CowFixtures.v2Header(p, CowFixtures.MTIME, 10240, 512)),
                new Seed("v1", CowFixtures.v1Header(p, CowFixtures.MTIME, 10240, 512, false)),
                new Seed("v1-longest-path-be-magic", CowFixtures.v1Header(longV1, 1, 1, 512, true)));
    }

    @Provide
    Arbitrary<List<ByteMutation>> mutations() {
        return ByteMutation.any(4200, FIELDS).list().ofMinSize(1).ofMaxSize(6);
    }
}
