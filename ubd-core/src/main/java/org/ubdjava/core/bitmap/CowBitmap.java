package org.ubdjava.core.bitmap;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The COW bitmap in memory: one bit per sector, set when the sector lives in the COW file.
 *
 * <p>On disk, sector {@code s} is bit {@code s & 7} of byte {@code s >> 3} (LSB first). Held as
 * little-endian 64-bit words, byte {@code b} of the file is byte {@code b & 7} of word {@code b >> 3},
 * so word-wise scans and the kernel's 8-byte write-back need no translation.
 *
 * <p>Why not {@link java.util.BitSet}: it is indexed by int (a 1 TiB device at most) and not safe
 * for concurrent setters. Here {@link #setRange} and {@link #clearRange} are atomic per word, so
 * concurrent writers never lose each other's bits. Reads are plain loads (scans run at memory
 * speed): a reader that must see a write's bits is ordered after it by other means (the driver's
 * request completion); a reader racing a writer sees each word before or after the change, never
 * half of it. Bits are never cleared once set, except by {@link #clearRange}, which the driver
 * uses to roll back a failed write.
 */
public final class CowBitmap {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
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
        this.words = new long[(int) nWords];
        this.bits = bits;
        this.byteLength = byteLength;
    }

    /** Reads {@code byteLength} bytes at {@code offset}; bytes past the end of the file read as zero. */
    public static CowBitmap read(FileChannel file, long offset, long byteLength, long bits) throws IOException {
        CowBitmap bitmap = new CowBitmap(bits, byteLength);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        while (done < byteLength) {
            buf.clear().limit((int) Math.min(buf.capacity(), byteLength - done));
            long pos = offset + done;
            int got = 0;
            while (buf.hasRemaining()) {
                int n = file.read(buf, pos + got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
            if (got < buf.limit()) {
                buf.put(new byte[buf.limit() - got]);
            }
            buf.flip();
            bitmap.load(done, buf);
            done += buf.limit();
        }
        return bitmap;
    }

    /** Loads bytes of the on-disk bitmap starting at bitmap byte {@code at} (a multiple of 8 unless it is the tail). */
    public void load(long at, ByteBuffer bytes) {
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int word = (int) (at >>> 3);
        while (le.remaining() >= 8) {
            words[word++] = le.getLong();
        }
        int shift = 0;
        long tail = 0;
        while (le.hasRemaining()) {
            tail |= (le.get() & 0xFFL) << shift;
            shift += 8;
        }
        if (shift > 0) {
            words[word] = tail;
        }
        maskBeyondEnd();
    }

    /** Bits past the device end may hold garbage on disk (kernel write-back of whole words): they mean nothing. */
    private void maskBeyondEnd() {
        for (long w = bits >>> 6; w < words.length; w++) {
            long keep = w == bits >>> 6 ? (1L << (bits & 63)) - 1 : 0;
            words[(int) w] &= keep;
        }
    }

    public long bits() {
        return bits;
    }

    public long byteLength() {
        return byteLength;
    }

    public boolean get(long sector) {
        checkIndex(sector);
        return (words[(int) (sector >>> 6)] & (1L << sector)) != 0;
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
            long before = (long) WORDS.getAndBitwiseOr(words, w, mask);
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
            WORDS.getAndBitwiseAnd(words, w, ~rangeMask(s, end));
            s = end;
        }
    }

    /** The first set bit at or after {@code from}, or -1. */
    public long nextSet(long from) {
        if (from >= bits) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                long s = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return s < bits ? s : -1;
            }
            if (++w >= words.length) {
                return -1;
            }
            word = words[w];
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
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                long s = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return s < scanEnd ? s : limit;
            }
            if (++w > last) {
                return limit;
            }
            word = words[w];
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
        long word = ~words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(Math.min(limit, bits), ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++w > last) {
                return Math.min(limit, bits);
            }
            word = ~words[w];
        }
    }

    /** The first clear bit at or after {@code from}, or {@link #bits()} when all up to the end are set. */
    public long nextClear(long from) {
        if (from >= bits) {
            return bits;
        }
        int w = (int) (from >>> 6);
        long word = ~words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(bits, ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++w >= words.length) {
                return bits;
            }
            word = ~words[w];
        }
    }

    public long cardinality() {
        long n = 0;
        for (int w = 0; w < words.length; w++) {
            n += Long.bitCount(words[w]);
        }
        return n;
    }

    /** Clears, in word {@code w}, the bits of {@code mask}: undoes a {@link #setRange} whose write failed. */
    public void clearWordBits(int w, long mask) {
        WORDS.getAndBitwiseAnd(words, w, ~mask);
    }

    /**
     * Copies on-disk bitmap bytes {@code [fromByte, fromByte + dst.remaining())} into {@code dst}
     * (advancing its position): what a write-back of that range puts in the file.
     */
    public void copyBytes(long fromByte, ByteBuffer dst) {
        long b = fromByte;
        while (dst.hasRemaining()) {
            long word = (long) WORDS.getAcquire(words, (int) (b >>> 3));
            dst.put((byte) (word >>> ((b & 7) << 3)));
            b++;
        }
    }

    /** The 64-bit word holding bitmap bytes {@code [8w, 8w+8)}, as it would be written back. */
    public long word(int w) {
        return (long) WORDS.getAcquire(words, w);
    }

    public int wordCount() {
        return words.length;
    }

    /** The on-disk bytes ({@link #byteLength()} of them). */
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, (long) words.length * 8))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int w = 0; w < words.length; w++) {
            out.putLong(word(w));
        }
        byte[] bytes = new byte[(int) byteLength];
        System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
        return bytes;
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
