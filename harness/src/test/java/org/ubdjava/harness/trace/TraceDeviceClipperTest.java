package org.ubdjava.harness.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ubdjava.harness.trace.TraceOp.DISCARD;
import static org.ubdjava.harness.trace.TraceOp.FLUSH;
import static org.ubdjava.harness.trace.TraceOp.READ;
import static org.ubdjava.harness.trace.TraceOp.WRITE;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class TraceDeviceClipperTest {
    /** 1 MiB + 100 bytes: usable size 1 MiB (2048 sectors). */
    private static final long DEVICE = (1 << 20) + 100;
    private static final long MIB = 1 << 20;

    @Test
    void exactResultsAndCounts() {
        DeviceClipper clipper = new DeviceClipper(DEVICE);
        assertEquals(MIB, clipper.usableBytes());
        List<TraceRecord> in = List.of(
                rec(1, READ, 0, 4096),                  // 1 as is
                rec(2, WRITE, 100, 10),                 // 2 widened to sector 0
                rec(3, WRITE, 1000, 1000),              // 3 widened to 512..2048
                rec(4, DISCARD, MIB - 4096, 8192),      // 4 clipped to the last 4096 bytes
                rec(5, READ, MIB - 100, 200),           // 5 widened and clipped
                rec(6, WRITE, MIB, 512),                // 6 outside
                rec(7, READ, MIB + 50, 10),             // 7 outside (in the unusable tail)
                rec(8, READ, 5 * MIB, 4096),            // 8 outside
                rec(9, WRITE, 4096, 0),                 // 9 empty
                rec(10, FLUSH, 0, 0),                    // 10 passes
                rec(11, WRITE, 512, Long.MAX_VALUE - 512), // 11 clipped, no overflow
                rec(12, READ, MIB - 512, 512));          // 12 the last sector, as is
        List<TraceRecord> out = new ArrayList<>();
        TraceRecord.Mutable m = new TraceRecord.Mutable();
        for (TraceRecord r : in) {
            m.set(r.timestampMicros(), r.op(), r.offset(), r.length(), r.position(), r.flags());
            if (clipper.clip(m)) {
                out.add(m.freeze());
            } else {
                assertEquals(r, m.freeze(), "a skipped record is left unchanged");
            }
        }
        assertEquals(List.of(
                new TraceRecord(1, READ, 0, 4096, 1, 0),
                new TraceRecord(2, WRITE, 0, 512, 2, 0),
                new TraceRecord(3, WRITE, 512, 1536, 3, 0),
                new TraceRecord(4, DISCARD, MIB - 4096, 4096, 4, 0),
                new TraceRecord(5, READ, MIB - 512, 512, 5, 0),
                new TraceRecord(10, FLUSH, 0, 0, 10, 0),
                new TraceRecord(11, WRITE, 512, MIB - 512, 11, 0),
                new TraceRecord(12, READ, MIB - 512, 512, 12, 0)), out);
        assertEquals(8, clipper.passed());
        assertEquals(3, clipper.skippedOutside());
        assertEquals(1, clipper.skippedEmpty());
        assertEquals(3, clipper.clipped());
        assertEquals(4, clipper.widened()); // 2, 3, 5 and 11 (2^63 - 1 is no sector boundary)
    }

    @Test
    void deviceWithoutASector() {
        assertThrows(IllegalArgumentException.class, () -> new DeviceClipper(511));
    }

    @Property(tries = 500)
    void resultIsAlignedInsideAndCoversWhatFits(@ForAll @LongRange(min = 512, max = 1L << 40) long device,
            @ForAll @LongRange(min = 0, max = 1L << 41) long offset, @ForAll @LongRange(min = 0, max = 1L << 41) long length) {
        DeviceClipper clipper = new DeviceClipper(device);
        TraceRecord.Mutable m = new TraceRecord.Mutable().set(0, WRITE, offset, length, 1, 0);
        boolean kept = clipper.clip(m);
        long usable = clipper.usableBytes();
        if (!kept) {
            assertTrue(length == 0 || offset / 512 * 512 >= usable);
            return;
        }
        assertEquals(0, m.offset() % 512);
        assertEquals(0, m.length() % 512);
        assertTrue(m.length() > 0 && m.end() <= usable);
        assertTrue(m.offset() <= offset);
        assertEquals(Math.min(usable, (offset + length + 511) / 512 * 512), m.end());
        assertFalse(clipper.clipped() == 1 && offset + length <= usable);
    }

    /** A record whose timestamp is its position, so results show where they came from. */
    private static TraceRecord rec(long position, TraceOp op, long offset, long length) {
        return new TraceRecord(position, op, offset, length, position, 0);
    }
}
