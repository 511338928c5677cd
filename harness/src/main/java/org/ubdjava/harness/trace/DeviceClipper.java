package org.ubdjava.harness.trace;

import static org.ubdjava.core.Sectors.SECTOR;

/**
 * Fits trace records to a device of a given size: a trace recorded on one disk is replayed on
 * another, maybe smaller, and the device takes whole 512-byte sectors only.
 *
 * <p>For a record with a range (READ, WRITE, DISCARD), in this order:
 * <ol>
 * <li>an empty range (length 0) is skipped, counted in {@link #skippedEmpty()};</li>
 * <li>the range is widened outwards to whole sectors, counted in {@link #widened()} if it changed;</li>
 * <li>a range starting at or past the device's end is skipped, counted in {@link #skippedOutside()};</li>
 * <li>a range running past the end is cut at it, counted in {@link #clipped()}.</li>
 * </ol>
 * Only records let through are counted as widened or clipped, and one can be both (the end of the
 * device is a sector boundary, so widening alone never crosses it). FLUSH records pass unchanged. {@link #passed()} counts
 * the records let through. The device's usable size is its size rounded down to whole sectors.
 *
 * <p>Not thread-safe: one clipper per stream of records.
 */
public final class DeviceClipper {

    private final long usableBytes;
    private long passed;
    private long skippedEmpty;
    private long skippedOutside;
    private long clipped;
    private long widened;

    /** @param deviceBytes the device's size; at least one sector */
    public DeviceClipper(long deviceBytes) {
        if (deviceBytes < SECTOR) {
            throw new IllegalArgumentException("device of " + deviceBytes + " bytes has no whole sector");
        }
        this.usableBytes = deviceBytes / SECTOR * SECTOR;
    }

    /**
     * Fits {@code record} to the device in place.
     *
     * @return true if the record is to be replayed (now sector-aligned and inside the device, unless
     *     it is a FLUSH); false if it is to be skipped (it is then left unchanged)
     */
    public boolean clip(TraceRecord.Mutable record) {
        if (!record.op().hasRange()) {
            passed++;
            return true;
        }
        long offset = record.offset();
        long length = record.length();
        if (length == 0) {
            skippedEmpty++;
            return false;
        }
        long start = offset / SECTOR * SECTOR;
        if (start >= usableBytes) {
            skippedOutside++;
            return false;
        }
        long head = offset - start;
        if (head != 0 || (head + length % SECTOR) % SECTOR != 0) {
            widened++;
        }
        // compared with the room left rather than summed with the offset: a garbage length near 2^63 would overflow
        long room = usableBytes - start;
        long span;
        if (length > room - head) {
            span = room;
            clipped++;
        } else {
            span = ceilToSector(head + length);
        }
        record.setRange(start, span);
        passed++;
        return true;
    }

    private static long ceilToSector(long bytes) {
        return (bytes + SECTOR - 1) / SECTOR * SECTOR;
    }

    /** The device size records are fitted to: the size given, rounded down to whole sectors. */
    public long usableBytes() {
        return usableBytes;
    }

    public long passed() {
        return passed;
    }

    public long skippedEmpty() {
        return skippedEmpty;
    }

    public long skippedOutside() {
        return skippedOutside;
    }

    public long clipped() {
        return clipped;
    }

    public long widened() {
        return widened;
    }

    @Override
    public String toString() {
        return "DeviceClipper[usable=" + usableBytes + " passed=" + passed + " skippedEmpty=" + skippedEmpty
                + " skippedOutside=" + skippedOutside + " clipped=" + clipped + " widened=" + widened + "]";
    }
}
