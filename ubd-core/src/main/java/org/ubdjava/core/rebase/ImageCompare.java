package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * Which ranges of two raw images differ, in units of a sector: the engine of {@code ubd compare}
 * (qemu-img compare) and of the safe rebase.
 *
 * <p>Each image reads as its bytes followed by zeros, as a device reads past the end of its file;
 * so images of different sizes are equal when the longer one's extra bytes are zeros, and whether
 * the sizes match is a separate answer ({@link Result#sameSize()}), as qemu-img's strict mode has it.
 *
 * <p>The walk follows both files' data extents (SEEK_DATA): a range that is a hole in both is equal
 * without a read, and a range that is a hole in one is compared against zeros without reading that
 * one. Data is read in {@link #CHUNK}-byte positional reads into direct buffers and compared with
 * {@link ByteBuffer#mismatch}, which runs vectorised; only where a mismatch is found is the chunk
 * cut into sectors, to find where the differing run ends. Nothing is allocated per chunk.
 *
 * <p>A {@link UnitMask} restricts the walk to the sectors a caller cares about (the safe rebase
 * compares only sectors some COW file does not hold), and a {@link Differences} sink is handed the
 * bytes of both images for every differing run while they are still in memory: the rebase copies
 * from there, so each range of the old backing file is read once whatever the number of COW files.
 */
public final class ImageCompare {
    /** Bytes per read: large enough for sequential throughput, small enough to stay in cache. */
    public static final int CHUNK = 4 << 20;
    /** The unit every tool of the format uses. */

    /** What {@link RegularFiles#require} calls an image compared. */
    static final String ROLE = "an image";

    /** A run of bytes, {@code [offset, offset + length)}. */
    public record Range(long offset, long length) {
        public long end() {
            return offset + length;
        }
    }

    /**
     * What a walk did.
     *
     * @param bytesCompared  bytes of the walked range that were compared (as holes of both, or by reading), in
     *                       whole units: the last one may reach past the longer file's end
     * @param bytesRead      bytes read from the two files together
     * @param bytesDiffering bytes in differing units
     */
    public record Stats(long bytesCompared, long bytesRead, long bytesDiffering) {
    }

    /**
     * What {@code ubd compare} shows.
     *
     * @param granularity bytes per unit: ranges start and end on multiples of it
     * @param differing   the differing runs, in order, adjacent runs joined
     */
    public record Result(Path first, Path second, long firstSize, long secondSize, int granularity,
                         long bytesCompared, long bytesRead, long bytesDiffering, List<Range> differing) {
        public Result {
            differing = List.copyOf(differing);
        }

        /** The content is the same (zero-extended to the longer size): qemu-img compare's exit 0. */
        public boolean identical() {
            return differing.isEmpty();
        }

        public boolean sameSize() {
            return firstSize == secondSize;
        }

        /** Where the first difference starts, as qemu-img reports ("Content mismatch at offset N"). */
        public OptionalLong firstDifference() {
            return differing.isEmpty() ? OptionalLong.empty() : OptionalLong.of(differing.get(0).offset());
        }
    }

    /** Told each differing run while its bytes are in memory. */
    @FunctionalInterface
    public interface Differences {
        /**
         * Bytes {@code [offset, offset + first.remaining())} of the images differ, in whole units
         * (the last unit may reach past both files' ends, read as zeros). {@code first} and
         * {@code second} hold them between their position and limit; they are views the sink may
         * move, valid only during the call.
         */
        void differ(long offset, ByteBuffer first, ByteBuffer second) throws IOException;

        /**
         * The chunk whose differences were just told is done: its bytes are overwritten after this
         * returns. A sink that queued work on them finishes it here.
         */
        default void chunkDone() throws IOException {
        }
    }

    /** Which units (sectors) to compare; the others are skipped unread. */
    public interface UnitMask {
        /** The first unit in {@code [from, limit)} to compare, or {@code limit}. */
        long nextWanted(long from, long limit);

        /** The first unit in {@code [from, limit)} not to compare, or {@code limit}. */
        long nextUnwanted(long from, long limit);

        /** Every unit. */
        UnitMask ALL = new UnitMask() {
            @Override
            public long nextWanted(long from, long limit) {
                return from;
            }

            @Override
            public long nextUnwanted(long from, long limit) {
                return limit;
            }
        };
    }

    private final FileChannel first;
    private final FileChannel second;
    private final int unit;
    private final ByteBuffer a = ByteBuffer.allocateDirect(CHUNK);
    private final ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
    /** What a hole reads as; never written. */
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
    // views whose position and limit the compare moves (mismatch works between them), and those handed to a sink
    private final ByteBuffer aScan = a.duplicate();
    private final ByteBuffer bScan = b.duplicate();
    private final ByteBuffer zScanA = zeros.duplicate();
    private final ByteBuffer zScanB = zeros.duplicate();
    private final ByteBuffer aOut = a.duplicate();
    private final ByteBuffer bOut = b.duplicate();
    private final ByteBuffer zOutA = zeros.duplicate();
    private final ByteBuffer zOutB = zeros.duplicate();

    /** Reads the second file while the caller reads the first. */
    private ExecutorService reader;
    private long bytesCompared;
    private long bytesRead;
    private long bytesDiffering;

    /**
     * @param unit bytes per unit (sector): a power of two from 512 to {@link #CHUNK}
     */
    public ImageCompare(FileChannel first, FileChannel second, int unit) {
        if (unit < SECTOR || unit > CHUNK || Integer.bitCount(unit) != 1) {
            throw new IllegalArgumentException("unit of " + unit + " bytes");
        }
        this.first = first;
        this.second = second;
        this.unit = unit;
    }

    /**
     * Compares {@code [0, end)} (rounded up to whole units) where {@code mask} wants it.
     *
     * @param progress told the offset reached, up to {@code end}
     */
    public Stats run(long end, UnitMask mask, Differences sink, LongConsumer progress) throws IOException {
        bytesCompared = 0;
        bytesRead = 0;
        bytesDiffering = 0;
        NativeFiles.adviseSequential(first);
        NativeFiles.adviseSequential(second);
        reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "compare-read");
            t.setDaemon(true);
            return t;
        });
        try {
            long units = (end + unit - 1) / unit;
            long u = 0;
            while (u < units) {
                long from = mask.nextWanted(u, units);
                if (from >= units) {
                    break;
                }
                long to = Math.max(from + 1, mask.nextUnwanted(from, units));
                span(from * unit, to * unit, sink, progress, end);
                u = to;
                progress.accept(Math.min(end, u * unit));
            }
        } finally {
            reader.shutdownNow();
        }
        progress.accept(end);
        return new Stats(bytesCompared, bytesRead, bytesDiffering);
    }

    /** Compares {@code [from, to)}, unit-aligned. */
    private void span(long from, long to, Differences sink, LongConsumer progress, long end) throws IOException {
        long p = from;
        while (p < to) {
            long da = NativeFiles.nextData(first, p);
            long db = NativeFiles.nextData(second, p);
            long d = Math.min(da < 0 ? Long.MAX_VALUE : da, db < 0 ? Long.MAX_VALUE : db);
            if (d >= to) {
                // a hole in both to the end of the span: equal, unread
                bytesCompared += to - p;
                return;
            }
            long start = Math.max(p, d / unit * unit);
            bytesCompared += start - p;
            p = start;
            long stop = Math.min(to, p + CHUNK);
            // no data of a file in [p, stop): its zeros, unread (da and db stay the next data at or after p)
            boolean readA = da >= 0 && da < stop;
            boolean readB = db >= 0 && db < stop;
            // and no read past the data: the chunk ends where the data that starts in it ends (a hole follows in both)
            long dataEnd = Math.max(readA ? NativeFiles.nextHole(first, Math.max(p, da)) : p,
                    readB ? NativeFiles.nextHole(second, Math.max(p, db)) : p);
            stop = Math.min(stop, Math.max(p + unit, (dataEnd + unit - 1) / unit * unit));
            int len = (int) (stop - p);
            if (readA && readB) {
                // the second file's read on the helper while this thread reads the first: two reads in flight
                long at = p;
                Future<?> other = reader.submit(() -> {
                    fill(second, b, at, len);
                    return null;
                });
                fill(first, a, p, len);
                await(other);
            } else if (readA) {
                fill(first, a, p, len);
            } else {
                fill(second, b, p, len);
            }
            bytesRead += (readA ? len : 0) + (readB ? len : 0);
            compareChunk(p, len, readA ? aScan : zScanA, readB ? bScan : zScanB, readA ? aOut : zOutA, readB ? bOut : zOutB, sink);
            sink.chunkDone();
            bytesCompared += len;
            p = stop;
            progress.accept(Math.min(end, p));
        }
    }

    private static void fill(FileChannel file, ByteBuffer buf, long position, int len) throws IOException {
        buf.clear().limit(len);
        Buffers.readOrZeros(file, buf, position);
    }

    private static void await(Future<?> read) throws IOException {
        try {
            read.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        }
    }

    /** Finds the differing runs of units in the chunk's first {@code len} bytes. */
    private void compareChunk(long position, int len, ByteBuffer x, ByteBuffer y, ByteBuffer xOut, ByteBuffer yOut,
                              Differences sink) throws IOException {
        int off = 0;
        while (off < len) {
            x.limit(len).position(off);
            y.limit(len).position(off);
            int m = x.mismatch(y);
            if (m < 0) {
                return;
            }
            int runStart = (off + m) / unit * unit;
            int runEnd = runStart + unit;
            while (runEnd < len && unitDiffers(x, y, runEnd)) {
                runEnd += unit;
            }
            bytesDiffering += runEnd - runStart;
            xOut.limit(runEnd).position(runStart);
            yOut.limit(runEnd).position(runStart);
            sink.differ(position + runStart, xOut, yOut);
            off = runEnd;
        }
    }

    private boolean unitDiffers(ByteBuffer x, ByteBuffer y, int at) {
        x.limit(at + unit).position(at);
        y.limit(at + unit).position(at);
        return x.mismatch(y) >= 0;
    }

    /** {@code ubd compare OLD NEW} in 512-byte units. */
    public static Result compare(Path first, Path second) {
        return compare(first, second, SECTOR, x -> { });
    }

    /**
     * Compares two raw images (a COW file is compared as its bytes) over the longer one's size.
     *
     * @param progress told the offset reached, up to the longer size
     */
    public static Result compare(Path first, Path second, int unit, LongConsumer progress) {
        RegularFiles.require(first, ROLE);
        RegularFiles.require(second, ROLE);
        try (FileChannel x = open(first); FileChannel y = open(second)) {
            long sx = x.size();
            long sy = y.size();
            if (BackingFile.sameFile(first, second)) {
                progress.accept(sx);
                return new Result(first, second, sx, sy, unit, sx, 0, 0, List.of());
            }
            List<Range> ranges = new ArrayList<>();
            Stats s = new ImageCompare(x, y, unit).run(Math.max(sx, sy), UnitMask.ALL, (offset, f, g) -> {
                long length = f.remaining();
                int last = ranges.size() - 1;
                if (last >= 0 && ranges.get(last).end() == offset) {
                    ranges.set(last, new Range(ranges.get(last).offset(), ranges.get(last).length() + length));
                } else {
                    ranges.add(new Range(offset, length));
                }
            }, progress);
            return new Result(first, second, sx, sy, unit, s.bytesCompared(), s.bytesRead(), s.bytesDiffering(), ranges);
        } catch (IOException e) {
            throw new UbdException(first + " vs " + second + ": cannot compare: " + CowPaths.describe(e), e);
        }
    }

    /**
     * The first byte where two images differ inside a differing unit that starts at {@code from}
     * (qemu-img compare names the byte; the walk finds units): each read as its bytes, then zeros.
     *
     * @return the byte's offset, or {@code from + unit} when the unit reads the same now
     */
    public static long firstDifferingByte(Path first, Path second, long from, int unit) {
        ByteBuffer x = ByteBuffer.allocate(unit);
        ByteBuffer y = ByteBuffer.allocate(unit);
        try (FileChannel a = open(first); FileChannel b = open(second)) {
            Buffers.readOrZeros(a, x, from);
            Buffers.readOrZeros(b, y, from);
        } catch (IOException e) {
            throw new UbdException(first + " vs " + second + ": cannot compare: " + CowPaths.describe(e), e);
        }
        int m = x.clear().mismatch(y.clear());
        return m < 0 ? from + unit : from + m;
    }

    private static FileChannel open(Path p) {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UbdException(p + ": " + CowPaths.describe(e), e);
        }
    }
}
