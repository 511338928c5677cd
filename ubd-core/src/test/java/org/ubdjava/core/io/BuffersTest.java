package org.ubdjava.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class BuffersTest {
    /** Lengths around the zero block's size and a long's, at odd offsets, in heap and direct buffers. */
    private static final int[] LENGTHS = {0, 1, 7, 8, 9, 511, 512, 4096, 65535, 65536, 65537, 200_000};

    @Test
    void isZeroFindsEveryNonZeroByteAndOnlyThoseInItsRange() {
        for (boolean direct : new boolean[] {false, true}) {
            int cap = 200_000 + 16;
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(cap) : ByteBuffer.allocate(cap);
            for (int len : LENGTHS) {
                for (int off : new int[] {0, 3, 8}) {
                    String what = (direct ? "direct" : "heap") + " off " + off + " len " + len;
                    assertTrue(Buffers.isZero(buf, off, len), what);
                    // a byte just outside the range does not count
                    if (off > 0) {
                        buf.put(off - 1, (byte) 1);
                    }
                    buf.put(off + len, (byte) 1);
                    assertTrue(Buffers.isZero(buf, off, len), what + " with bytes set around it");
                    buf.put(off + len, (byte) 0);
                    if (off > 0) {
                        buf.put(off - 1, (byte) 0);
                    }
                    for (int at : new int[] {0, len / 2, len - 1}) {
                        if (len == 0) {
                            continue;
                        }
                        buf.put(off + at, (byte) 0x80);
                        assertFalse(Buffers.isZero(buf, off, len), what + " byte " + at);
                        buf.put(off + at, (byte) 0);
                    }
                }
            }
        }
    }

    @Test
    void isZeroLeavesTheBuffersPositionAndLimitAsTheyWere() {
        ByteBuffer buf = ByteBuffer.allocateDirect(8192);
        buf.position(100).limit(7000);
        assertTrue(Buffers.isZero(buf, 1000, 5000)); // absolute, as getLong is: the position does not bound it
        assertEquals(100, buf.position());
        assertEquals(7000, buf.limit());
        buf.put(4000, (byte) 2);
        assertFalse(Buffers.isZero(buf, 1000, 5000));
        assertEquals(100, buf.position());
        assertEquals(7000, buf.limit());
    }
}
