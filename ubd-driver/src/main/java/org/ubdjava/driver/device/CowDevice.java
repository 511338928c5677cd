package org.ubdjava.driver.device;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.core.bitmap.BitmapRuns;
import org.ubdjava.core.bitmap.CowBitmap;

/**
 * The copy-on-write layer: a device whose sectors live in the COW file when their bit is set and
 * in the backing device otherwise.
 *
 * <p>Reads are split into runs of sectors with the same bit, each read from where it lives; this is
 * right for any request size (the kernel's B1 bug misplaces runs after the first in a segment).
 *
 * <p>Writes, discards and write-zeroes go to the COW file, then their bits are set and the bitmap
 * bytes they changed are written to the file: data first, bitmap second, as in the kernel, so a
 * crash between the two loses the write but never exposes a sector whose bit claims data that was
 * not written. Bits are set only once the data is down, and are taken back if the bitmap write
 * fails: the in-memory bitmap always equals what is, or is about to be, on disk (the kernel sets
 * bits at submission and keeps them after a failure). The backing device is only ever read.
 */
public final class CowDevice implements BlockDevice {

    private final BlockDevice cowData;
    private final BlockDevice backing;
    private final HostIo cowFile;
    private final CowBitmap bitmap;
    private final long bitmapOffset;
    private final long size;
    private final boolean readOnly;
    /** Reused for bitmap write-back: no allocation per request once it has grown to the largest seen. */
    private ByteBuffer bitmapScratch = ByteBuffer.allocateDirect(64);
    private long[] wordsBefore = new long[4];
    /** The read path's run cursor, reused (requests of a device run on one thread). */
    private final BitmapRuns runs;

    /**
     * @param cowData      the COW file's data area as a device (sector i at data offset + 512 i)
     * @param backing      the backing file as a device (reads past its end give zeros)
     * @param cowFile      the COW file, for bitmap write-back (the same file as {@code cowData}'s)
     * @param bitmap       the bitmap as read at open
     * @param bitmapOffset where the bitmap starts in the COW file
     * @param size         the device size, a multiple of 512
     */
    public CowDevice(BlockDevice cowData, BlockDevice backing, HostIo cowFile, CowBitmap bitmap, long bitmapOffset,
                     long size, boolean readOnly) {
        this.cowData = cowData;
        this.backing = backing;
        this.cowFile = cowFile;
        this.bitmap = bitmap;
        this.runs = new BitmapRuns(bitmap);
        this.bitmapOffset = bitmapOffset;
        this.size = size;
        this.readOnly = readOnly;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** Zeros in the COW file are its holes or fallocated zeros plus bits: cheap when the COW file's are. */
    @Override
    public boolean fastZero() {
        return !readOnly && cowData.fastZero();
    }

    /** Data and bitmap both live in the COW file, so its durability is the device's. */
    @Override
    public Durability durability() {
        return readOnly ? Durability.NOTHING_WRITTEN : cowData.durability();
    }

    /**
     * Each bitmap run from where it lives: the COW file's data area, or the backing file (marked
     * {@link ExtentSink#BACKING}), each split into data and holes. The same walk as {@code ubd map}.
     */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        ExtentSink fromBacking = (o, n, flags) -> sink.extent(o, n, flags | ExtentSink.BACKING);
        bitmap.forEachRun(offset / SECTOR, (offset + length) / SECTOR, (first, end, inCow) -> {
            if (inCow) {
                cowData.extents(first * SECTOR, (end - first) * SECTOR, sink);
            } else {
                backing.extents(first * SECTOR, (end - first) * SECTOR, fromBacking);
            }
        });
    }

    /** Only what comes from the backing file can be cached; the COW file's sectors are left to the host. */
    @Override
    public void prefetch(long offset, long length) throws IOException {
        bitmap.forEachRun(offset / SECTOR, (offset + length) / SECTOR, (first, end, inCow) -> {
            if (!inCow) {
                backing.prefetch(first * SECTOR, (end - first) * SECTOR);
            }
        });
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int pos = dst.position();
        int limit = dst.limit();
        long first = offset / SECTOR;
        long end = first + (limit - pos) / SECTOR;
        try {
            // the runs stop at the request's end: the cost follows the request, not the device
            for (BitmapRuns r = runs.over(first, end); r.next(); ) {
                dst.limit(pos + (int) ((r.end() - first) * SECTOR)).position(pos + (int) ((r.start() - first) * SECTOR));
                (r.set() ? cowData : backing).read(r.start() * SECTOR, dst);
            }
        } finally {
            dst.limit(limit).position(pos);
        }
    }

    /** The data goes to the COW file's data area at the same offset: it allocates there, if anywhere. */
    @Override
    public boolean writeAllocates(long offset, long length) {
        return cowData.writeAllocates(offset, length);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable(offset, src.remaining());
        cowData.write(offset, src);
        claim(offset / SECTOR, (offset + src.remaining()) / SECTOR);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable(offset, length);
        cowData.discard(offset, length);
        claim(offset / SECTOR, (offset + length) / SECTOR);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fastOnly) throws IOException {
        checkWritable(offset, length);
        cowData.writeZeroes(offset, length, fastOnly);
        claim(offset / SECTOR, (offset + length) / SECTOR);
    }

    /** The bitmap covers the sectors the header's size spans; sectors past it (v1/v2 without room for B5's byte) cannot be recorded. */
    private void checkWritable(long offset, long length) throws IOException {
        if (readOnly) {
            throw new IOException("read-only device");
        }
        if ((offset + length) / SECTOR > bitmap.bits()) {
            throw new IOException("sectors past " + bitmap.bits() + " have no bit in this COW file's bitmap");
        }
    }

    /** Sets the bits of [first, end) and persists the bitmap bytes that changed; undoes the bits if that fails. */
    private void claim(long first, long end) throws IOException {
        if (first >= end) {
            return;
        }
        int w0 = (int) (first >>> 6);
        int w1 = (int) ((end - 1) >>> 6);
        if (wordsBefore.length < w1 - w0 + 1) {
            wordsBefore = new long[w1 - w0 + 1];
        }
        for (int w = w0; w <= w1; w++) {
            wordsBefore[w - w0] = bitmap.word(w);
        }
        if (!bitmap.setRange(first, end)) {
            return;
        }
        try {
            persist(first >>> 3, (end - 1) >>> 3);
        } catch (IOException | RuntimeException e) {
            for (int w = w0; w <= w1; w++) {
                bitmap.clearWordBits(w, ~wordsBefore[w - w0]);
            }
            throw e;
        }
    }

    private void persist(long firstByte, long lastByte) throws IOException {
        int n = (int) (lastByte - firstByte + 1);
        if (bitmapScratch.capacity() < n) {
            bitmapScratch = ByteBuffer.allocateDirect(Integer.highestOneBit(n) << 1);
        }
        ByteBuffer b = bitmapScratch.clear().limit(n);
        bitmap.copyBytes(firstByte, b);
        b.flip();
        long pos = bitmapOffset + firstByte;
        while (b.hasRemaining()) {
            pos += HostIo.progress(cowFile.write(b, pos), pos);
        }
    }

    /** fdatasync of the COW file: data and bitmap both live there (the kernel syncs nothing, B2). */
    @Override
    public void flush() throws IOException {
        cowData.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            cowData.close();
            backing.close();
        } finally {
            cowFile.close();
        }
    }
}
