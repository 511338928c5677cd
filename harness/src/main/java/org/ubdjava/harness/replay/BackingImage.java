package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.nativeio.DataMap;

import it.unimi.dsi.fastutil.longs.LongArrayList;

/**
 * The backing file's content as the verifier compares reads against it, without reading it again:
 * the file is mapped read-only, and a read is compared with the mapping in place, so the verifier
 * touches exactly the backing bytes the VMs read (pages the driver's own reads just brought into
 * the host's page cache) and no more. Before, each check outside a 1 MiB window read 1 MiB to
 * check 4 KiB: a 256x read amplification on random traces.
 *
 * <p>Holes are never touched through the mapping: tmpfs allocates a page when a hole is read
 * through a shared mapping, which would make a sparse backing file grow during a replay. The data
 * extents are listed once (SEEK_DATA/SEEK_HOLE), and a hole compares against zeros. Past the end
 * of a file whose size is not whole sectors the device reads zeros, and so does this.
 *
 * <p>Memory: no copy of the file; two longs per data extent, and address space for the mapping
 * (1 GiB chunks). The backing file must not change during a replay (that is what the replay
 * checks); were it truncated under the mapping, a compare would fail with an {@link InternalError}.
 *
 * <p>Thread-safe: each checking thread takes its own {@link #reader()}.
 */
final class BackingImage {
    static final int CHUNK_SHIFT = 30;
    static final long CHUNK = 1L << CHUNK_SHIFT;

    private final long size;
    /** Data extents {@code [dataStart[i], dataEnd[i])}, sorted and disjoint. */
    private final long[] dataStart;
    private final long[] dataEnd;
    private final MappedByteBuffer[] chunks;

    private BackingImage(long size, long[] dataStart, long[] dataEnd, MappedByteBuffer[] chunks) {
        this.size = size;
        this.dataStart = dataStart;
        this.dataEnd = dataEnd;
        this.chunks = chunks;
    }

    static BackingImage of(FileChannel backing) throws IOException {
        long size = backing.size();
        LongArrayList starts = new LongArrayList();
        LongArrayList ends = new LongArrayList();
        DataMap.of(backing).forEachRun(0, size, (from, to, data) -> {
            if (data) {
                starts.add(from);
                ends.add(to);
            }
        });
        MappedByteBuffer[] chunks = new MappedByteBuffer[(int) ((size + CHUNK - 1) >>> CHUNK_SHIFT)];
        for (int c = 0; c < chunks.length; c++) {
            long from = (long) c << CHUNK_SHIFT;
            chunks[c] = backing.map(FileChannel.MapMode.READ_ONLY, from, Math.min(CHUNK, size - from));
        }
        return new BackingImage(size, starts.toLongArray(), ends.toLongArray(), chunks);
    }

    /** Data extents listed (for the report). */
    int extents() {
        return dataStart.length;
    }

    Reader reader() {
        return new Reader();
    }

    /**
     * One thread's compares: its own views of the mapping (a compare moves their positions) and
     * its own count of the backing bytes compared. Allocates nothing per compare.
     */
    final class Reader {
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
        long bytesRead() {
            return bytesRead;
        }

        /**
         * Whether {@code len} bytes of {@code buf} at {@code at} equal the backing file's bytes at
         * {@code offset} (zeros in holes and past the end). {@code buf}'s position and limit are
         * left as they were.
         */
        boolean matches(ByteBuffer buf, int at, long offset, int len) {
            int i = extentAtOrAfter(offset);
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

        /** The first extent that ends after {@code offset}; {@code dataStart.length} when none does. */
        private int extentAtOrAfter(long offset) {
            int h = hint;
            if (h < dataStart.length && dataEnd[h] > offset && (h == 0 || dataEnd[h - 1] <= offset)) {
                return h;
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
    }

    long size() {
        return size;
    }
}
