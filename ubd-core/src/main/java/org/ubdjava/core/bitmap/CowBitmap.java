package org.ubdjava.core.bitmap;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.RunConsumer;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * The COW bitmap in memory: one bit per sector, set when the sector lives in the COW file.
 *
 * <p>On disk, sector {@code s} is bit {@code s & 7} of byte {@code s >> 3} (LSB first). Held as
 * little-endian 64-bit words, byte {@code b} of the file is byte {@code b & 7} of word {@code b >> 3},
 * so word-wise scans and write-back need no translation.
 *
 * <p>Sparse: words live in pages of {@link #PAGE_WORDS} (4096 sectors, 2 MiB of device), created
 * on the first bit set in them; an absent page reads as zeros and scans skip it. Guests write in
 * clusters (a real VM trace writing 1.65 M sectors of a 32 GiB disk touches 1,311 of its 16,384
 * pages), so a bitmap costs what was written, not the device's size: a thousand VMs fit in a
 * small heap.
 *
 * <p>Why not {@link java.util.BitSet}: it is indexed by int (a 1 TiB device at most), dense, and
 * not safe for concurrent setters. Here {@link #setRange} and {@link #clearRange} are atomic per
 * word (and pages are installed with a CAS), so concurrent writers never lose each other's bits.
 * Reads are plain loads (scans run at memory speed): a reader that must see a write's bits is
 * ordered after it by other means (the driver's request completion); a reader racing a writer sees
 * each word before or after the change, never half of it. Bits are never cleared once set, except
 * by {@link #clearRange}/{@link #clearWordBits}, which the driver uses to undo a failed write.
 */
public final class CowBitmap {
    /** Words per page: 64 words = 512 bytes of bitmap = 4096 sectors. */
    public static final int PAGE_WORDS = 64;
    private static final int PAGE_SHIFT = 6;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(long[][].class);

    private final long[][] pages;
    /** Words the on-disk bitmap spans. */
    private final int wordCount;
    /** Bits that exist: the device's sector count. Bits at or past it are never reported. */
    private final long bits;
    /** Bytes of the on-disk bitmap this covers. */
    private final long byteLength;

    public CowBitmap(long bits, long byteLength) {
        if (bits < 0 || byteLength < 0 || bits > byteLength * 8) {
            throw new IllegalArgumentException("bits " + bits + " do not fit " + byteLength + " bytes");
        }
        long nWords = (byteLength + 7) >>> 3;
        if (nWords > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bitmap of " + byteLength + " bytes is too large");
        }
        this.wordCount = (int) nWords;
        this.pages = new long[(wordCount + PAGE_WORDS - 1) >>> PAGE_SHIFT][];
        this.bits = bits;
        this.byteLength = byteLength;
    }

    /**
     * Reads {@code byteLength} bytes at {@code offset}; bytes past the end of the file read as zero.
     * Only the file's data extents are read: a hole is zeros, and zeros are what a sparse bitmap
     * holds without storing them, so opening the COW file of a large, lightly written device (8 MiB
     * of bitmap for 32 GiB, nearly all hole) costs what was written, not the device's size.
     */
    public static CowBitmap read(FileChannel file, long offset, long byteLength, long bits) throws IOException {
        CowBitmap bitmap = new CowBitmap(bits, byteLength);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(8, byteLength))).order(ByteOrder.LITTLE_ENDIAN);
        long end = offset + byteLength;
        for (long at = NativeFiles.nextData(file, offset); at >= 0 && at < end; ) {
            // whole words from the bitmap's start: load() takes a multiple of 8 (the tail excepted)
            long done = Math.max(0, at - offset) & ~7L;
            long stop = Math.min(byteLength, (NativeFiles.nextHole(file, at) - offset + 7) & ~7L);
            while (done < stop) {
                buf.clear().limit((int) Math.min(buf.capacity(), stop - done));
                Buffers.readOrZeros(file, buf, offset + done);
                buf.flip();
                bitmap.load(done, buf);
                done += buf.limit();
            }
            at = offset + stop >= end ? -1 : NativeFiles.nextData(file, offset + stop);
        }
        return bitmap;
    }

    /** Loads bytes of the on-disk bitmap starting at bitmap byte {@code at} (a multiple of 8 unless it is the tail). */
    public void load(long at, ByteBuffer bytes) {
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int word = (int) (at >>> 3);
        while (le.remaining() >= 8) {
            putWord(word++, le.getLong());
        }
        int shift = 0;
        long tail = 0;
        while (le.hasRemaining()) {
            tail |= (le.get() & 0xFFL) << shift;
            shift += 8;
        }
        if (shift > 0) {
            putWord(word, tail);
        }
        maskBeyondEnd();
    }

    /** Zero words of a loaded bitmap allocate nothing: an empty on-disk bitmap stays an empty object. */
    private void putWord(int w, long value) {
        long[] page = pages[w >>> PAGE_SHIFT];
        if (page == null) {
            if (value == 0) {
                return;
            }
            page = page(w);
        }
        page[w & (PAGE_WORDS - 1)] = value;
    }

    /** Bits past the device end may hold garbage on disk (kernel write-back of whole words): they mean nothing. */
    private void maskBeyondEnd() {
        for (long w = bits >>> 6; w < wordCount; w++) {
            long[] page = pages[(int) (w >>> PAGE_SHIFT)];
            if (page != null) {
                long keep = w == bits >>> 6 ? (1L << (bits & 63)) - 1 : 0;
                page[(int) (w & (PAGE_WORDS - 1))] &= keep;
            }
        }
    }

    /** The page holding word {@code w}, created (once, whoever races) if absent. */
    private long[] page(int w) {
        int p = w >>> PAGE_SHIFT;
        long[] page = pages[p];
        if (page != null) {
            return page;
        }
        long[] fresh = new long[PAGE_WORDS];
        long[] won = (long[]) PAGES.compareAndExchange(pages, p, (long[]) null, fresh);
        return won == null ? fresh : won;
    }

    public long bits() {
        return bits;
    }

    public long byteLength() {
        return byteLength;
    }

    /** Pages allocated: what the bitmap costs, {@code 16 + 8 * PAGE_WORDS} bytes each plus a reference. */
    public int allocatedPages() {
        int n = 0;
        for (long[] p : pages) {
            n += p == null ? 0 : 1;
        }
        return n;
    }

    public boolean get(long sector) {
        checkIndex(sector);
        return (word((int) (sector >>> 6)) & (1L << sector)) != 0;
    }

    /**
     * Sets the bits of {@code [from, to)}, atomically per word.
     *
     * @return true when at least one bit was newly set, so its word needs persisting
     */
    public boolean setRange(long from, long to) {
        checkRange(from, to);
        boolean changed = false;
        for (long s = from; s < to; ) {
            int w = (int) (s >>> 6);
            long end = Math.min(to, ((long) w + 1) << 6);
            long mask = rangeMask(s, end);
            long before = (long) WORDS.getAndBitwiseOr(page(w), w & (PAGE_WORDS - 1), mask);
            changed |= (before & mask) != mask;
            s = end;
        }
        return changed;
    }

    /** Clears the bits of {@code [from, to)}: only for undoing bits a failed write had set. */
    public void clearRange(long from, long to) {
        checkRange(from, to);
        for (long s = from; s < to; ) {
            int w = (int) (s >>> 6);
            long end = Math.min(to, ((long) w + 1) << 6);
            clearWordBits(w, rangeMask(s, end));
            s = end;
        }
    }

    /** Clears, in word {@code w}, the bits of {@code mask}: undoes a {@link #setRange} whose write failed. */
    public void clearWordBits(int w, long mask) {
        long[] page = pages[w >>> PAGE_SHIFT];
        if (page != null) {
            WORDS.getAndBitwiseAnd(page, w & (PAGE_WORDS - 1), ~mask);
        }
    }

    /** The first set bit at or after {@code from}, or -1. */
    public long nextSet(long from) {
        if (from >= bits) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = word(w) & (-1L << from);
        while (true) {
            if (word != 0) {
                long s = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return s < bits ? s : -1;
            }
            if (++w >= wordCount) {
                return -1;
            }
            if (pages[w >>> PAGE_SHIFT] == null) {
                // an absent page has no set bit: go to the next page
                w = ((w >>> PAGE_SHIFT) + 1) << PAGE_SHIFT;
                while (w < wordCount && pages[w >>> PAGE_SHIFT] == null) {
                    w += PAGE_WORDS;
                }
                if (w >= wordCount) {
                    return -1;
                }
            }
            word = word(w);
        }
    }

    /**
     * The first set bit in [from, limit), or {@code limit} if none: looks at no word past the
     * limit, so a request's cost does not grow with the bitmap (an unbounded scan of an empty
     * 1 GiB device's bitmap reads 32,768 words per request).
     */
    public long nextSet(long from, long limit) {
        long scanEnd = Math.min(limit, bits); // bits past the bitmap count as clear
        if (from >= scanEnd) {
            return Math.max(from, limit);
        }
        int w = (int) (from >>> 6);
        int last = (int) ((scanEnd - 1) >>> 6);
        long word = word(w) & (-1L << from);
        while (true) {
            if (word != 0) {
                long s = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return s < scanEnd ? s : limit;
            }
            if (++w > last) {
                return limit;
            }
            if ((w & (PAGE_WORDS - 1)) == 0) {
                // an absent page has no set bit: a whole-device scan of a sparse bitmap skips it at once
                while (w <= last && pages[w >>> PAGE_SHIFT] == null) {
                    w += PAGE_WORDS;
                }
                if (w > last) {
                    return limit;
                }
            }
            word = word(w);
        }
    }

    /** The first clear bit in [from, limit), or {@code limit} if all are set (bits past {@link #bits()} count as clear). */
    public long nextClear(long from, long limit) {
        if (from >= limit) {
            return limit;
        }
        if (from >= bits) {
            return from;
        }
        int w = (int) (from >>> 6);
        int last = (int) ((Math.min(limit, bits) - 1) >>> 6);
        long word = ~word(w) & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(Math.min(limit, bits), ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++w > last) {
                return Math.min(limit, bits);
            }
            word = ~word(w);
        }
    }

    /**
     * The runs of set and clear bits in [from, to), in order (bits past {@link #bits()} count as
     * clear): the one walk over the bitmap for everything that maps a device by where its sectors
     * live. Looks at no word past {@code to}.
     */
    public void forEachRun(long from, long to, RunConsumer runs) throws IOException {
        BitmapRuns r = new BitmapRuns(this).over(from, to);
        while (r.next()) {
            runs.run(r.start(), r.end(), r.set());
        }
    }

    /** The first clear bit at or after {@code from}, or {@link #bits()} when all up to the end are set. */
    public long nextClear(long from) {
        if (from >= bits) {
            return bits;
        }
        int w = (int) (from >>> 6);
        long word = ~word(w) & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(bits, ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++w >= wordCount) {
                return bits;
            }
            word = ~word(w);
        }
    }

    public long cardinality() {
        long n = 0;
        for (long[] page : pages) {
            if (page != null) {
                for (long word : page) {
                    n += Long.bitCount(word);
                }
            }
        }
        return n;
    }

    /** The 64-bit word holding bitmap bytes {@code [8w, 8w+8)}, as it would be written back. */
    public long word(int w) {
        long[] page = pages[w >>> PAGE_SHIFT];
        return page == null ? 0 : page[w & (PAGE_WORDS - 1)];
    }

    public int wordCount() {
        return wordCount;
    }

    /**
     * Copies on-disk bitmap bytes {@code [fromByte, fromByte + dst.remaining())} into {@code dst}
     * (advancing its position): what a write-back of that range puts in the file.
     */
    public void copyBytes(long fromByte, ByteBuffer dst) {
        long b = fromByte;
        while (dst.hasRemaining()) {
            dst.put((byte) (word((int) (b >>> 3)) >>> ((b & 7) << 3)));
            b++;
        }
    }

    /** The on-disk bytes ({@link #byteLength()} of them). */
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate((int) byteLength);
        copyBytes(0, out);
        return out.array();
    }

    private static long rangeMask(long from, long to) {
        long hi = (to & 63) == 0 ? -1L : (1L << to) - 1;
        return hi & (-1L << from);
    }

    private void checkIndex(long sector) {
        if (sector < 0 || sector >= bits) {
            throw new IndexOutOfBoundsException("sector " + sector + " of " + bits);
        }
    }

    private void checkRange(long from, long to) {
        if (from < 0 || to > bits || from > to) {
            throw new IndexOutOfBoundsException("sectors [" + from + ", " + to + ") of " + bits);
        }
    }
}
