package org.ubdjava.core.nativeio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.ubdjava.core.io.Buffers;

/**
 * A read-only file's content through a shared read-only mapping of its data extents: what the
 * driver reads a backing file through (a copy from the host's page cache, no system call: about a
 * third of a pread's cost for 4 KiB), and what the replay's checks compare reads against in place
 * (touching exactly the bytes the VMs read, no more).
 *
 * <p>Holes are never touched through the mapping: tmpfs allocates a page when a hole is read
 * through a shared mapping, which would make a sparse backing file grow. The data extents are
 * listed once (SEEK_DATA/SEEK_HOLE) and holes read, and compare, as zeros; so does what lies past
 * the end of a file whose size is not whole sectors, as the device reads it.
 *
 * <p>Memory: no copy of the file; two longs per data extent, and address space for the mapping
 * (1 GiB chunks); {@link #shared} gives the disks over one backing file one mapping. The file
 * must not change while mapped (a backing file never does: the driver watches for it); were it
 * truncated, a copy that touches what vanished fails as a {@link ShrankException}, not a crash
 * nor a success with wrong bytes, and so does every later copy of that part, without touching it.
 *
 * <p>How a shrink is seen without a system call per copy: a page past the file's end faults
 * (SIGBUS), which HotSpot turns into an InternalError, but not where the copy is: in compiled code
 * it is only pending, thrown at some later call into the VM, and the copy returns as if it had
 * worked, with the rest of its bytes not copied. So each piece copied out of the mapping has a
 * marker written at its last bytes first: a copy cut short leaves the marker there. Only then
 * (or when the bytes really were the marker's) is the file's size asked for, once.
 *
 * <p>Thread-safe: copies use absolute bulk gets; each comparing thread takes its own {@link #reader()}.
 */
public final class MappedImage {
    static final int CHUNK_SHIFT = 30;
    static final long CHUNK = 1L << CHUNK_SHIFT;
    /** What holes are copied from. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10);
    private static final Map<Object, Shared> SHARED = new HashMap<>();
    /** Written over the last bytes of a piece before it is copied (a copy cut short by a fault leaves it). */
    private static final long UNCOPIED = 0x5ca1_ab1e_0bad_f00dL;
    private static final byte UNCOPIED_BYTE = (byte) 0xa5;
    /** Where a pending fault is made to surface: an allocation this large always calls into the VM. */
    private static volatile Object surface;

    private final long size;
    /** Data extents {@code [dataStart[i], dataEnd[i])}, sorted and disjoint. */
    private final long[] dataStart;
    private final long[] dataEnd;
    private final MappedByteBuffer[] chunks;
    /** How far the file is known to reach: {@link #size}, less once a copy has seen it shrink. */
    private volatile long end;

    private MappedImage(long size, long[] dataStart, long[] dataEnd, MappedByteBuffer[] chunks) {
        this.size = size;
        this.end = size;
        this.dataStart = dataStart;
        this.dataEnd = dataEnd;
        this.chunks = chunks;
    }

    public static MappedImage of(FileChannel file) throws IOException {
        long size = file.size();
        long[][] ext = {new long[16], new long[16]};
        int[] n = {0};
        DataMap.of(file).forEachRun(0, size, (from, to, data) -> {
            if (data) {
                if (n[0] == ext[0].length) {
                    ext[0] = Arrays.copyOf(ext[0], n[0] * 2);
                    ext[1] = Arrays.copyOf(ext[1], n[0] * 2);
                }
                ext[0][n[0]] = from;
                ext[1][n[0]++] = to;
            }
        });
        MappedByteBuffer[] chunks = new MappedByteBuffer[(int) ((size + CHUNK - 1) >>> CHUNK_SHIFT)];
        for (int c = 0; c < chunks.length; c++) {
            long from = (long) c << CHUNK_SHIFT;
            chunks[c] = file.map(FileChannel.MapMode.READ_ONLY, from, Math.min(CHUNK, size - from));
        }
        return new MappedImage(size, Arrays.copyOf(ext[0], n[0]), Arrays.copyOf(ext[1], n[0]), chunks);
    }

    /**
     * The one mapping of the file known by {@code key} (its device and inode), made from
     * {@code file} by the first caller; {@link #release} it when done. Every disk over a backing
     * file shares its mapping: a thousand disks over a 32 GiB file take 32 GiB of address space,
     * not 32 TiB.
     */
    public static MappedImage shared(Object key, FileChannel file) throws IOException {
        synchronized (SHARED) {
            Shared s = SHARED.get(key);
            if (s == null) {
                s = new Shared(of(file));
                SHARED.put(key, s);
            }
            s.users++;
            return s.image;
        }
    }

    /** Gives back a {@link #shared} mapping; the last release drops it (the mapping goes with the garbage). */
    public static void release(Object key) {
        synchronized (SHARED) {
            Shared s = SHARED.get(key);
            if (s != null && --s.users == 0) {
                SHARED.remove(key);
            }
        }
    }

    private static final class Shared {
        final MappedImage image;
        int users;

        Shared(MappedImage image) {
            this.image = image;
        }
    }

    /** The file became shorter than its mapping: what was past its new end is gone. */
    public static final class ShrankException extends IOException {
        private final long newSize;

        ShrankException(long newSize) {
            super(newSize < 0 ? "the file shrank under its mapping" : "the file shrank under its mapping, to " + newSize + " bytes");
            this.newSize = newSize;
        }

        /** The file's size when the shrink was seen, or -1 when not known. */
        public long newSize() {
            return newSize;
        }
    }

    /**
     * Copies {@code len} bytes from {@code offset} into {@code dst} at index {@code at} (zeros in
     * holes and past the end); positions and limits are left alone.
     *
     * @param file the file's descriptor (the caller's own: the image is shared), its size asked
     *             for only when a copy looks cut short
     * @throws ShrankException when the copy touches a part of the file that is gone
     * @throws IOException when the file changed under the mapping in another way
     */
    public void copy(long offset, ByteBuffer dst, int at, int len, FileChannel file) throws IOException {
        long known = end;
        if (known != size && offset < size && offset + len > known) {
            throw new ShrankException(known);
        }
        long upTo = offset + len;
        boolean cut = false;
        boolean faulted = false;
        try {
            for (int i = extentAtOrAfter(offset, 0); len > 0; ) {
                int n;
                if (i < dataStart.length && dataStart[i] <= offset) {
                    n = (int) Math.min(len, dataEnd[i] - offset);
                    cut |= !copyMapped(offset, dst, at, n);
                } else {
                    long holeEnd = i < dataStart.length ? dataStart[i] : Long.MAX_VALUE;
                    n = (int) Math.min(Math.min(len, holeEnd - offset), ZEROS.capacity());
                    dst.put(at, ZEROS, 0, n);
                }
                at += n;
                offset += n;
                len -= n;
                if (i < dataStart.length && offset >= dataEnd[i]) {
                    i++;
                }
            }
            if (cut) {
                surface = new long[1 << 18];
                surface = null;
            }
        } catch (InternalError e) {
            faulted = true; // the fault surfaced here: the rest was not copied
        }
        if (cut || faulted) {
            checkShrank(upTo, file);
            if (faulted) {
                throw new IOException("the file changed under its mapping (a fault in it)");
            }
        }
    }

    /** After a copy that looks cut short: a shrink if the file now ends before {@code upTo} (or its size cannot be had). */
    private void checkShrank(long upTo, FileChannel file) throws IOException {
        long now;
        try {
            now = file.size();
        } catch (IOException e) {
            throw new IOException("the file changed under its mapping, and its size cannot be read: " + e.getMessage(), e);
        }
        if (now < size) {
            synchronized (this) {
                end = Math.min(end, now);
            }
        }
        if (now < Math.min(upTo, size)) {
            throw new ShrankException(now);
        }
        // no shrink: after a marker only, the bytes really ended with the marker's, and the copy was whole
    }

    /** Copies a piece of data; false when a copy stopped short (a fault in the mapping). */
    private boolean copyMapped(long offset, ByteBuffer dst, int at, int len) {
        boolean whole = true;
        while (len > 0) {
            MappedByteBuffer c = chunks[(int) (offset >>> CHUNK_SHIFT)];
            int in = (int) (offset & (CHUNK - 1));
            int n = Math.min(len, c.capacity() - in);
            if (n >= Long.BYTES) {
                dst.putLong(at + n - Long.BYTES, UNCOPIED);
                dst.put(at, c, in, n);
                whole &= dst.getLong(at + n - Long.BYTES) != UNCOPIED;
            } else {
                dst.put(at + n - 1, UNCOPIED_BYTE);
                dst.put(at, c, in, n);
                whole &= dst.get(at + n - 1) != UNCOPIED_BYTE;
            }
            at += n;
            offset += n;
            len -= n;
        }
        return whole;
    }

    /** The first extent that ends after {@code offset}, trying {@code hint} first; {@code dataStart.length} when none does. */
    private int extentAtOrAfter(long offset, int hint) {
        if (hint < dataStart.length && dataEnd[hint] > offset && (hint == 0 || dataEnd[hint - 1] <= offset)) {
            return hint;
        }
        int lo = 0;
        int hi = dataStart.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (dataEnd[mid] <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Data extents listed (for the report). */
    public int extents() {
        return dataStart.length;
    }

    public Reader reader() {
        return new Reader();
    }

    /**
     * One thread's compares: its own views of the mapping (a compare moves their positions) and
     * its own count of the backing bytes compared. Allocates nothing per compare.
     */
    public final class Reader {
        private final ByteBuffer[] views = new ByteBuffer[chunks.length];
        /** The extent the last compare ended in: reads of one request, and nearby requests, start there. */
        private int hint;
        private long bytesRead;

        private Reader() {
            for (int c = 0; c < views.length; c++) {
                views[c] = chunks[c].duplicate();
            }
        }

        /** Backing bytes this reader has compared in place (data extents only; holes read nothing). */
        public long bytesRead() {
            return bytesRead;
        }

        /**
         * Whether {@code len} bytes of {@code buf} at {@code at} equal the backing file's bytes at
         * {@code offset} (zeros in holes and past the end). {@code buf}'s position and limit are
         * left as they were.
         */
        public boolean matches(ByteBuffer buf, int at, long offset, int len) {
            int i = extentAtOrAfter(offset, hint);
            while (len > 0) {
                int n;
                boolean same;
                if (i < dataStart.length && dataStart[i] <= offset) {
                    n = (int) Math.min(len, dataEnd[i] - offset);
                    same = equalsMapped(buf, at, offset, n);
                    bytesRead += n;
                } else {
                    long holeEnd = i < dataStart.length ? dataStart[i] : Long.MAX_VALUE;
                    n = (int) Math.min(len, holeEnd - offset);
                    same = Buffers.isZero(buf, at, n);
                }
                if (!same) {
                    return false;
                }
                at += n;
                offset += n;
                len -= n;
                if (i < dataStart.length && offset >= dataEnd[i]) {
                    i++;
                }
            }
            hint = i;
            return true;
        }

        private boolean equalsMapped(ByteBuffer buf, int at, long offset, int len) {
            int pos = buf.position();
            int lim = buf.limit();
            try {
                while (len > 0) {
                    ByteBuffer v = views[(int) (offset >>> CHUNK_SHIFT)];
                    int in = (int) (offset & (CHUNK - 1));
                    int n = Math.min(len, v.capacity() - in);
                    v.limit(in + n).position(in);
                    buf.limit(at + n).position(at);
                    if (buf.mismatch(v) >= 0) {
                        return false;
                    }
                    at += n;
                    offset += n;
                    len -= n;
                }
                return true;
            } finally {
                buf.limit(lim).position(pos);
            }
        }

    }

    public long size() {
        return size;
    }
}
