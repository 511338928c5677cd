package org.ubdjava.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ubdjava.core.testing.CowFixtures;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The layout formulas, against the reference's worked examples (measured with uml_mkcow) and as properties. */
class CowGeometryTest {

    @ParameterizedTest(name = "backing {0} bytes")
    @CsvSource({
        // size, sectors, bitmap_len, data_offset, COW file length, as uml_mkcow lays them out
        "0, 0, 0, 8192, 8192",
        "100, 1, 1, 12288, 12388",
        "512, 1, 1, 12288, 12800",
        "1000, 2, 1, 12288, 13288",
        "4096, 8, 1, 12288, 16384",
        "10240, 20, 3, 12288, 22528",
        "32768, 64, 8, 12288, 45056",
        "1000000, 1954, 245, 12288, 1012288",
        "1048576, 2048, 256, 12288, 1060864",
        "1073741824, 2097152, 262144, 270336, 1074012160",
        // 10 GiB: the bitmap alone spans 2.5 MiB
        "10737418240, 20971520, 2621440, 2629632, 10740047872",
    })
    void v3AsCreated(long size, long sectors, long bitmapLength, long dataOffset, long fileLength) {
        CowGeometry g = CowHeaderReader.decode(ByteBuffer.wrap(CowFixtures.v3Header("/b", 0, size, 512, 4096))).geometry();
        assertEquals(8192, g.bitmapOffset());
        assertEquals(sectors, g.sectors());
        assertEquals(bitmapLength, g.bitmapLength());
        assertEquals(dataOffset, g.dataOffset());
        assertEquals(fileLength, g.dataOffset() + size);
    }

    @ParameterizedTest(name = "v1/v2, {0} sectors")
    @CsvSource({
        // sectors, bitmap_len (floor), bitmap bytes holding every bit, v1 data offset, v2 data offset
        "0, 0, 0, 512, 4608",
        "7, 0, 1, 512, 4608",
        "8, 1, 1, 512, 4608",
        "16, 2, 2, 512, 4608",
        "20, 2, 3, 512, 4608",
        "72, 9, 9, 512, 4608",
    })
    void v1v2Rounding(long sectors, long bitmapLength, long bitmapBytes, long v1Data, long v2Data) {
        CowGeometry one = CowHeaderReader.decode(ByteBuffer.wrap(CowFixtures.v1Header("/b", 0, sectors * 512, 512, false))).geometry();
        CowGeometry two = CowHeaderReader.decode(ByteBuffer.wrap(CowFixtures.v2Header("/b", 0, sectors * 512, 512))).geometry();
        assertEquals(bitmapLength, one.bitmapLength());
        assertEquals(bitmapLength, two.bitmapLength());
        assertEquals(bitmapBytes, one.bitmapBytes());
        assertEquals(bitmapBytes, two.bitmapBytes());
        assertEquals(v1Data, one.dataOffset());
        assertEquals(v2Data, two.dataOffset());
    }

    @Property(tries = 2000)
    void v3BitmapHoldsEverySectorAndDataIsAligned(@ForAll @LongRange(min = 0, max = 1L << 40) long size) {
        CowGeometry g = CowGeometry.v3(size, 512, 4096, 8192);
        long sectors = (size + 511) / 512;
        assertEquals(sectors, g.sectors());
        assertEquals((sectors + 7) / 8, g.bitmapLength());
        assertEquals(0, g.dataOffset() % 4096);
        assertEquals(true, g.dataOffset() >= 8192 + g.bitmapLength() && g.dataOffset() < 8192 + g.bitmapLength() + 4096);
        assertEquals(sectors, g.coveredSectors());
    }

    @Property(tries = 2000)
    void v1v2ReadsEveryBitWhenThePaddingHoldsIt(@ForAll @LongRange(min = 0, max = 1L << 36) long size) {
        CowGeometry g = CowGeometry.v1v2(size, 512, 280);
        assertEquals(Math.floorDiv(size + 511, 8 * 512), g.bitmapLength(), "the kernel's v1/v2 rounding");
        assertEquals(0, g.dataOffset() % 512);
        long full = (g.sectors() + 7) / 8;
        boolean room = 280 + full <= g.dataOffset();
        assertEquals(room ? g.sectors() : g.bitmapLength() * 8, g.coveredSectors());
    }
}
