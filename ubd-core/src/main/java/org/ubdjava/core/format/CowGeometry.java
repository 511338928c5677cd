package org.ubdjava.core.format;

/**
 * Where things are in a COW file. All values are absolute byte offsets or byte counts.
 *
 * @param sectorSize    the header's sector size: one bitmap bit per sector of this size
 * @param sectors       sectors the header's backing size spans, rounded up
 * @param bitmapOffset  start of the bitmap
 * @param bitmapLength  bitmap bytes the kernel reads at open. For v1/v2 this is one byte short when
 *                      {@code sectors % 8 != 0} (the historic rounding bug, B5)
 * @param bitmapBytes   bitmap bytes that hold the bits of every sector: {@code ceil(sectors / 8)}
 *                      when they fit before the data, else {@link #bitmapLength}. For v1/v2 this
 *                      reads the bits the kernel wrote past the short bitmap (see B5)
 * @param dataOffset    where sector 0's data lives in the COW file
 */
public record CowGeometry(int sectorSize, long sectors, long bitmapOffset, long bitmapLength, long bitmapBytes,
                          long dataOffset) {

    /** Bits the bitmap can hold for sectors, given {@link #bitmapBytes}. */
    public long coveredSectors() {
        return Math.min(sectors, bitmapBytes * 8);
    }

    /**
     * Refuses a bitmap this JVM might not hold. A header of a few KiB may claim a backing file of
     * terabytes, whose bitmap may reach 2 GiB within the kernel's int offsets. The in-memory bitmap
     * is sparse (zero pages cost nothing), but a file whose bitmap region is all set would cost all
     * of it: an OutOfMemoryError instead of a message. A quarter of the heap leaves room for the
     * rest of the process (found by review of FuzzCowFileTest's inputs; corpus bitmap-1gib.cow).
     */
    public void requireBitmapFitsHeap(String file) {
        long limit = Runtime.getRuntime().maxMemory() / 4;
        if (bitmapBytes > limit) {
            throw new CowFormatException(file + ": its bitmap of " + bitmapBytes + " bytes (for " + sectors
                    + " sectors) needs more memory than this JVM may use (" + limit + " bytes, a quarter of -Xmx)");
        }
    }

    /** Offset in the COW file of a sector's data. */
    public long dataOffsetOf(long sector) {
        return dataOffset + sector * sectorSize;
    }

    static long roundUp(long value, long multiple) {
        return Math.floorDiv(value + multiple - 1, multiple) * multiple;
    }

    static long ceilDiv(long value, long divisor) {
        return (value + divisor - 1) / divisor;
    }

    /** v3 and the broken-v3 layout: {@code ceil(ceil(size / ss) / 8)} bytes, data aligned. */
    static CowGeometry v3(long size, int sectorSize, int alignment, long bitmapOffset) {
        long sectors = ceilDiv(size, sectorSize);
        long bitmapLength = ceilDiv(sectors, 8);
        long dataOffset = roundUp(bitmapOffset + bitmapLength, alignment);
        return new CowGeometry(sectorSize, sectors, bitmapOffset, bitmapLength, bitmapLength, dataOffset);
    }

    /**
     * v1/v2: {@code floor((size + ss - 1) / (8 ss))}, which drops the last {@code sectors % 8} bits,
     * and data rounded to the sector size. Those bits are still written by the kernel (it persists
     * whole words), into the padding before the data; we read them from there when the padding holds
     * them, which gives each sector its bit as the format means.
     */
    static CowGeometry v1v2(long size, int sectorSize, long bitmapOffset) {
        long sectors = ceilDiv(size, sectorSize);
        long bitmapLength = (size + sectorSize - 1) / (8L * sectorSize);
        long dataOffset = roundUp(bitmapOffset + bitmapLength, sectorSize);
        long full = ceilDiv(sectors, 8);
        long bitmapBytes = bitmapOffset + full <= dataOffset ? full : bitmapLength;
        return new CowGeometry(sectorSize, sectors, bitmapOffset, bitmapLength, bitmapBytes, dataOffset);
    }
}
