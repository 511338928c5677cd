package org.ubdjava.driver.device;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.NotSupportedException;

/**
 * A layer over a COW file's data area that makes the file grow in units rather than block by
 * block: the first write into each unit (aligned in the file) reserves the whole unit with
 * fallocate before the write goes down. The content never changes (a reserved block reads as
 * zeros, as the hole did); only where the blocks come from does, as XFS's {@code allocsize} or a
 * qcow2 cluster does for their files.
 *
 * <p>Why: a write into a hole of an ext4 file costs a delayed-allocation record in the file's
 * extent-status tree, and random first writes make that tree one entry per written block, each
 * later write a deeper lookup (16 VMs replaying random 4 KiB writes: {@code ext4_es_lookup_extent}
 * 5 % of the machine, the replay 20 % slower than on fallocated files). A reserved unit is one
 * unwritten extent: writes into it leave the tree alone until write-back. The price is disk use
 * rounded up to whole units touched.
 *
 * <p>At close the layer gives back what it reserved and nothing used, in runs of at least
 * {@link #MIN_GIVE_BACK}: each such run of whole file blocks in a reserved unit whose sectors have
 * no bit in the bitmap is punched (XFS trims its speculative preallocation at close the same way).
 * Those sectors are read from the backing file, never from here, so what their blocks held does
 * not matter. Shorter gaps between written blocks stay reserved: a punch costs about 60 us on
 * ext4, and a random 4 KiB writer leaves thousands of one-block gaps a file (punching them all took
 * 240 ms a file, more than its whole replay), so a closed file takes at most the units its writes
 * touched, in practice its writes and their short gaps, as a qcow2 file's clusters do. A process killed before close
 * leaves its reservations: more disk, the same content.
 *
 * <p>A reservation is only a hint. When it fails (a full disk, a file system without fallocate)
 * the write goes down as it would have without this layer and reports its own error, if any: a
 * write that fits in what is left of the disk must not fail because a whole unit did not. Units
 * are remembered for this open only (one bit each); a unit reserved before costs one fallocate
 * over blocks it already has, which changes nothing.
 */
public final class AllocationUnitDevice extends ForwardingDevice {
    static final int BLOCK = 4096;
    /** The shortest run of unused reserved bytes that close gives back. */
    static final long MIN_GIVE_BACK = 64 * 1024;

    private final FileChannel file;
    private final long base;
    private final long unit;
    private final CowBitmap bitmap;
    /** Bit u: unit u of the file (bytes [u unit, (u + 1) unit)) has been reserved or tried in this open. */
    private final BitSet tried;
    /** Units whose reservation succeeded: what close gives back the unused part of. */
    private final BitSet reserved;
    private boolean unsupported;
    private long reservedUnits;

    /**
     * @param inner the data area as a device (its offset 0 at {@code base} in {@code file})
     * @param file  the COW file
     * @param base  where the data area starts in the file
     * @param unit  bytes of a unit, a power of two of at least 4096 (a file system block)
     * @param bitmap the COW file's bitmap, read at close: sectors without a bit hold nothing of use here
     */
    public AllocationUnitDevice(BlockDevice inner, FileChannel file, long base, long unit, CowBitmap bitmap) {
        super(inner);
        if (requireUnit(unit) == 0) {
            throw new IllegalArgumentException("allocation unit 0 means no layer");
        }
        long units = (base + inner.size() + unit - 1) / unit;
        if (units > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("allocation unit of " + unit + " bytes too small for a file of "
                    + (base + inner.size()) + " bytes (more than 2^31 units)");
        }
        this.file = file;
        this.base = base;
        this.unit = unit;
        // sized once: no growth on the request path
        this.tried = new BitSet((int) units);
        this.reserved = new BitSet((int) units);
        this.bitmap = bitmap;
    }

    /**
     * Checks a configured unit: 0 (no layer: block by block) or a power of two of at least a file
     * system block, which fallocate can reserve and punch whole.
     */
    public static long requireUnit(long bytes) {
        if (bytes != 0 && (bytes < BLOCK || Long.bitCount(bytes) != 1)) {
            throw new IllegalArgumentException("allocation unit must be 0 or a power of two of at least 4096 bytes, not " + bytes);
        }
        return bytes;
    }

    /**
     * Whether units can help a file in {@code path}'s file system: not in memory (tmpfs, ramfs have
     * no extent tree to spare, and a fallocate there takes and zeroes pages: 323 us a MiB against 7 us
     * on ext4; 64 VMs of the CloudPhysics trace in /dev/shm took 108 s with 1 MiB units, 63 s without).
     */
    public static boolean worksOn(Path path) {
        try {
            String type = Files.getFileStore(path).type();
            return !type.equals("tmpfs") && !type.equals("ramfs");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (!unsupported) {
            reserve(base + offset, base + offset + src.remaining());
        }
        inner.write(offset, src);
    }

    /** True when the write would reserve a unit: one it covers has not been tried in this open. */
    @Override
    public boolean writeAllocates(long offset, long length) {
        if (unsupported || offset < 0 || length <= 0) {
            return false; // a request outside the device fails later, without a reservation
        }
        long from = base + offset;
        long to = Math.min(base + offset + length, base + inner.size());
        if (from >= to) {
            return false;
        }
        int first = (int) (from / unit);
        int last = (int) ((to - 1) / unit);
        return tried.nextClearBit(first) <= last;
    }

    /** Units wholly discarded are holes again: a later write into one reserves it anew. */
    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
        long from = Math.floorDiv(base + offset + unit - 1, unit);
        long to = Math.floorDiv(base + offset + length, unit);
        if (from < to) {
            tried.clear((int) from, (int) to);
            reserved.clear((int) from, (int) to);
        }
    }

    /** Reserves every untried unit of the file bytes [from, to), clipped to the data area. */
    private void reserve(long from, long to) {
        long end = base + inner.size();
        for (long u = from / unit, last = (to - 1) / unit; u <= last; u++) {
            int i = (int) u;
            if (tried.get(i)) {
                continue;
            }
            tried.set(i);
            long start = Math.max(u * unit, base);
            long stop = Math.min((u + 1) * unit, end);
            try {
                NativeFiles.allocate(file, start, stop - start);
                reserved.set(i);
                reservedUnits++;
            } catch (NotSupportedException | UnsupportedOperationException e) {
                // no fallocate in this file system, or no LibC on this platform: not worth asking again
                unsupported = true;
                return;
            } catch (IOException e) {
                // no room for the whole unit: the write alone decides
            }
        }
    }

    /** Gives back the unused blocks of the reserved units (see the class comment), then closes the layers below. */
    @Override
    public void close() throws IOException {
        try {
            if (!inner.readOnly()) {
                giveBack();
            }
        } finally {
            inner.close();
        }
    }

    /** Best effort: a block not given back costs disk, never data, so a failure here does not fail the close. */
    private void giveBack() {
        try {
            punchUnused();
        } catch (IOException e) {
            // the file keeps some reserved blocks: the same content, more disk
        }
        reserved.clear();
        tried.clear();
    }

    private void punchUnused() throws IOException {
        long sectors = Math.min(bitmap.bits(), inner.size() / SECTOR);
        for (int u = reserved.nextSetBit(0); u >= 0; ) {
            int stop = reserved.nextClearBit(u);
            // sectors of the reserved span [u, stop), clipped to the data area
            long first = Math.max(0, ((long) u * unit - base) / SECTOR);
            long end = Math.min(sectors, ((long) stop * unit - base + SECTOR - 1) / SECTOR);
            bitmap.forEachRun(first, end, (from, to, written) -> {
                if (!written) {
                    // whole blocks only: a block that shares a written sector keeps it
                    long a = Math.floorDiv(base + from * SECTOR + BLOCK - 1, BLOCK) * BLOCK;
                    long b = Math.floorDiv(base + to * SECTOR, BLOCK) * BLOCK;
                    if (b - a >= MIN_GIVE_BACK) {
                        NativeFiles.punchHole(file, a, b - a);
                    }
                }
            });
            u = reserved.nextSetBit(stop);
        }
    }

    /** Units this open reserved (for tests and reports). */
    public long reservedUnits() {
        return reservedUnits;
    }

    /** Bytes of a unit. */
    public long unit() {
        return unit;
    }
}
