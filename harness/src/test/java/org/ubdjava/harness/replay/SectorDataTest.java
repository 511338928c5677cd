package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class SectorDataTest {
    private static final SectorData DATA = new SectorData(7);

    @Property(tries = 300)
    void everyChangedByteIsFoundWhereItIs(@ForAll @IntRange(min = 0, max = 1000) int vm, @ForAll @IntRange(min = 0) int request,
                                          @ForAll @LongRange(min = 0, max = 1L << 40) long sector,
                                          @ForAll @IntRange(min = 0, max = 511) int at) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1024);
        DATA.fill(buf, 512, vm, request, sector);
        assertEquals(-1, DATA.mismatch(buf, 512, vm, request, sector));
        buf.put(512 + at, (byte) (buf.get(512 + at) ^ 0x10));
        int found = DATA.mismatch(buf, 512, vm, request, sector);
        assertEquals(at < SectorData.STAMP ? 0 : at, found, "the stamp is checked as a whole, the body byte by byte");
    }

    @Property(tries = 200)
    void aSectorOfAnotherWriteOrPlaceNamesItsOrigin(@ForAll @IntRange(min = 0, max = 1000) int request,
                                                    @ForAll @LongRange(min = 0, max = 1L << 30) long sector) {
        ByteBuffer buf = ByteBuffer.allocateDirect(512);
        DATA.fill(buf, 0, 3, request, sector);
        assertEquals(0, DATA.mismatch(buf, 0, 3, request + 1, sector));
        assertEquals(0, DATA.mismatch(buf, 0, 3, request, sector + 1));
        assertEquals("stamp vm 3 request " + request + " sector " + sector, DATA.describe(buf, 0, 16, request + 1));
    }

    @Property(tries = 100)
    void bodiesDifferFromSectorToSectorAndSeedToSeed(@ForAll @LongRange(min = 0, max = 1L << 30) long sector) {
        ByteBuffer a = ByteBuffer.allocateDirect(512);
        ByteBuffer b = ByteBuffer.allocateDirect(512);
        DATA.fill(a, 0, 1, 2, sector);
        new SectorData(8).fill(b, 0, 1, 2, sector);
        assertNotEquals(a.getLong(64), b.getLong(64), "another run's seed");
        DATA.fill(b, 0, 1, 2, sector + 1);
        assertNotEquals(a.getLong(64), b.getLong(64), "the next sector");
    }

    /**
     * A torn sector: the stamp of the write expected, the body of an earlier write of the same
     * sector. Two requests' windows coincide with probability 2^-17, so the examples are fixed.
     */
    @Property(tries = 200, seed = "12")
    void aBodyFromAnotherWriteUnderTheRightStampIsCaught(@ForAll @IntRange(min = 0, max = 1000) int request,
                                                         @ForAll @LongRange(min = 0, max = 1L << 30) long sector) {
        ByteBuffer older = ByteBuffer.allocateDirect(512);
        ByteBuffer newer = ByteBuffer.allocateDirect(512);
        DATA.fill(older, 0, 3, request, sector);
        DATA.fill(newer, 0, 3, request + 1, sector);
        older.put(0, newer, 0, SectorData.STAMP);
        assertTrue(DATA.mismatch(older, 0, 3, request + 1, sector) >= SectorData.STAMP);
    }
}
