package org.ubdjava.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.core.testing.CowFixtures.v1Header;
import static org.ubdjava.core.testing.CowFixtures.v2Header;
import static org.ubdjava.core.testing.CowFixtures.v3BrokenHeader;
import static org.ubdjava.core.testing.CowFixtures.v3Header;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** read_cow_header on hand-made bytes: every layout, both magic orders, and every way to be wrong. */
class CowHeaderReaderTest {

    private static CowHeader decode(byte[] bytes) {
        return CowHeaderReader.decode(ByteBuffer.wrap(bytes));
    }

    private static String error(byte[] bytes) {
        return assertThrows(CowFormatException.class, () -> decode(bytes)).getMessage();
    }

    @Test
    void v3AsUmlMkcowWritesIt() {
        // the first 32 bytes uml_mkcow wrote for a 20-sector backing file
        byte[] real = HexFormat.of().parseHex("4F4F4F4D000000036040 6ABF00000000000028000000020000001000 00000000".replace(" ", ""));
        byte[] header = Arrays.copyOf(real, 4128);
        System.arraycopy("/tmp/back.img".getBytes(), 0, header, 32, 13);
        CowHeader h = decode(header);
        assertEquals(3, h.version());
        assertFalse(h.brokenV3());
        assertEquals(ByteOrder.BIG_ENDIAN, h.magicOrder());
        assertEquals("/tmp/back.img", h.backingFile());
        assertEquals(1614834367L, h.mtime());
        assertEquals(10240, h.size());
        assertEquals(512, h.sectorSize());
        assertEquals(4096, h.alignment());
        assertEquals(0, h.cowFormat());
        CowGeometry g = h.geometry();
        assertEquals(8192, g.bitmapOffset());
        assertEquals(3, g.bitmapLength());
        assertEquals(12288, g.dataOffset());
        assertEquals(20, g.sectors());
    }

    @Test
    void encoderWritesTheSameBytesAsTheHandMadeHeader() {
        assertEquals(HexFormat.of().formatHex(v3Header("/x/back.img", 0x60406ABFL, 10240, 512, 4096)),
                HexFormat.of().formatHex(HeaderV3.encode("/x/back.img", 0x60406ABFL, 10240, 512, 4096)));
    }

    @Test
    void mtimeIsUnsigned32Bits() {
        assertEquals(0xED300880L, decode(v3Header("/b", 0xED300880L, 0, 512, 4096)).mtime());
    }

    @Test
    void brokenV3IsDetectedByZeroAtOffset32() {
        CowHeader h = decode(v3BrokenHeader("/b/back.img", 77, 10240, 512, 4096));
        assertTrue(h.brokenV3());
        assertEquals(3, h.version());
        assertEquals("/b/back.img", h.backingFile());
        assertEquals(77, h.mtime());
        assertEquals(10240, h.size());
        assertEquals(8192, h.geometry().bitmapOffset());
        assertEquals(12288, h.geometry().dataOffset());
    }

    @Test
    void v2IsBigEndianWithBitmapAfterHeader() {
        CowHeader h = decode(v2Header("/b/two.img", 99, 20 * 512, 512));
        assertEquals(2, h.version());
        assertEquals("/b/two.img", h.backingFile());
        assertEquals(99, h.mtime());
        assertEquals(10240, h.size());
        assertEquals(512, h.alignment());
        CowGeometry g = h.geometry();
        assertEquals(4120, g.bitmapOffset());
        assertEquals(2, g.bitmapLength(), "v1/v2 rounding: floor(20/8)");
        assertEquals(3, g.bitmapBytes(), "the third byte lies in the padding before the data");
        assertEquals(4608, g.dataOffset());
    }

    @Test
    void v1IsLittleEndianWhateverTheMagicOrder() {
        for (boolean beMagic : new boolean[] {false, true}) {
            CowHeader h = decode(v1Header("/b/one.img", 1234, 20 * 512, 512, beMagic));
            assertEquals(1, h.version());
            assertEquals(beMagic ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, h.magicOrder());
            assertEquals("/b/one.img", h.backingFile());
            assertEquals(1234, h.mtime());
            assertEquals(10240, h.size());
            CowGeometry g = h.geometry();
            assertEquals(280, g.bitmapOffset());
            assertEquals(2, g.bitmapLength());
            assertEquals(512, g.dataOffset());
        }
    }

    @Test
    void v1NativeMagicStartsWithMOOO() {
        byte[] h = v1Header("/b", 1, 512, 512, false);
        assertEquals("MOOO", new String(h, 0, 4));
    }

    @Test
    void notACowFileIsSilentNotCow() {
        byte[] raw = new byte[5000];
        Arrays.fill(raw, (byte) 'X');
        CowFormatException e = assertThrows(CowFormatException.class, () -> decode(raw));
        assertTrue(e.notCow());
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"0", "4", "7"})
    void shortHeader(int n) {
        byte[] b = Arrays.copyOf("OOOM\0\0\0\3".getBytes(), n);
        String m = error(b);
        assertTrue(m.startsWith("read_cow_header - short header"), m);
    }

    @Test
    void truncatedHeadersOfEachVersion() {
        assertTrue(error(Arrays.copyOf(v3Header("/b", 1, 512, 512, 4096), 208)).startsWith("read_cow_header - failed to read V3 header"));
        assertTrue(error(Arrays.copyOf(v1Header("/b", 1, 512, 512, false), 208)).startsWith("read_cow_header - failed to read V1 header"));
        assertTrue(error(Arrays.copyOf(v2Header("/b", 1, 512, 512), 4119)).startsWith("read_cow_header - failed to read V2 header"));
        // a v3 header cut inside its path after a zero at 32 is taken for the broken layout, as in the kernel
        assertTrue(error(Arrays.copyOf(v3BrokenHeader("/b", 1, 512, 512, 4096), 4135)).startsWith("read_cow_header - failed to read V3 header"));
        // magic + version + 200 bytes: uml_moo says "failed to read V3 header"
        assertTrue(error(Arrays.copyOf(v3Header("/b", 1, 512, 512, 4096), 208)).contains("(208 of 4128 bytes)"));
    }

    @Test
    void unknownVersion() {
        byte[] b = v3Header("/b", 1, 512, 512, 4096);
        b[7] = 7;
        assertEquals("read_cow_header - invalid COW version 7", error(b));
    }

    @Test
    void alignmentZeroIsAnErrorNotADivideByZero() {
        assertEquals("read_cow_header - invalid COW header, align == 0", error(v3Header("/b", 1, 512, 512, 0)));
    }

    @ParameterizedTest
    @CsvSource({"0", "100", "513", "131072", "-512"})
    void unusableSectorSizes(int ss) {
        assertTrue(error(v3Header("/b", 1, 512, ss, 4096)).startsWith("invalid COW header, sector size"));
        assertTrue(error(v2Header("/b", 1, 512, ss)).startsWith("invalid COW header, sector size"));
    }

    @Test
    void absurdSizes() {
        assertTrue(error(v3Header("/b", 1, -1, 512, 4096)).startsWith("invalid COW header, backing size 18446744073709551615"));
        // a bitmap beyond what the kernel's int offsets reach
        assertTrue(error(v3Header("/b", 1, 1L << 55, 512, 4096)).contains("beyond what the kernel can address"));
    }

    @Test
    void pathWithoutNul() {
        byte[] b = v3Header("/b", 1, 512, 512, 4096);
        Arrays.fill(b, 32, 4128, (byte) 'a');
        assertEquals("backing file name in V3 header is not NUL-terminated", error(b));
        byte[] one = v1Header("/b", 1, 512, 512, false);
        Arrays.fill(one, 8, 264, (byte) 'a');
        assertEquals("backing file name in V1 header is not NUL-terminated", error(one));
    }

    @Test
    void v3WithSectorSize1024KeepsItsOwnGeometry() {
        // v3 with 1024-byte sectors, as uml_moo reads it: bitmap 1 byte, data at 12288
        CowGeometry g = decode(v3Header("/b", 1, 10240, 1024, 4096)).geometry();
        assertEquals(10, g.sectors());
        assertEquals(2, g.bitmapLength());
        assertEquals(12288, g.dataOffset());
    }

    @Test
    void v3WithAlignment512() {
        // v3 aligned to 512, as uml_moo reads it: bitmap at 4608, data at 5120
        CowGeometry g = decode(v3Header("/b", 1, 10240, 512, 512)).geometry();
        assertEquals(4608, g.bitmapOffset());
        assertEquals(5120, g.dataOffset());
    }
}
