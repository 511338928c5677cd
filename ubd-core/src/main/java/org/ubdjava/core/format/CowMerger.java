package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.LongConsumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.BitmapRuns;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.nativeio.FileUse;
import org.ubdjava.core.nativeio.MappedWindows;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.PosixLocks;

/**
 * uml_moo's merge, with its output to the byte and to the hole, but without its per-sector walk.
 *
 * <p>What uml_moo produces: for each whole sector {@code i < floor(size / ss)}, the COW sector when
 * its bit is set, else the backing sector; all-zero sectors are not written (holes) except the
 * last, which is always written so the length comes out right. A trailing partial sector is
 * dropped. Here the same set of sectors is written, so the result has the same bytes and the same
 * allocation, but the work is a walk over the backing file's data extents (SEEK_DATA/SEEK_HOLE)
 * and the COW bitmap's runs, in large chunks: holes of the backing file cost nothing.
 *
 * <p>In-place mode ({@code -d}) writes COW sectors into the backing file, skipping what is
 * already there. Unlike uml_moo it takes a write lock on the backing file first, so it refuses to
 * run while a UML (which read-locks it) is using the file.
 */
public final class CowMerger {
    /** Bytes per read/scan/write step: large enough to amortise syscalls, small enough for the cache. */
    static final int CHUNK = 1 << 20;
    /** Address space a merge maps of the backing file at once. */
    static final long WINDOW = 1L << 28;

    /** What {@link RegularFiles#require} calls NEWFILE: a FIFO or a device there is never replaced. */
    static final String OUTPUT_ROLE = "a merged image";

    private final CowFile cow;
    private final Path backingPath;
    private final LongConsumer progress;
    private final int ss;
    private final long sectors;
    private final BitmapRuns runs;
    /** Direct, so channel reads and writes go straight to the kernel without a copy through the heap. */
    private final ByteBuffer data = ByteBuffer.allocateDirect(CHUNK);
    private final ByteBuffer other = ByteBuffer.allocateDirect(CHUNK);
    /** What a hole of the backing file holds. */
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
    private long bytesWritten;

    /** What a merge did. */
    public record Result(Path output, long sectors, long sectorsFromCow, long bytesWritten) {
    }

    private CowMerger(CowFile cow, Path backingPath, LongConsumer progress) {
        this.cow = cow;
        this.backingPath = backingPath;
        this.progress = progress;
        this.ss = cow.geometry().sectorSize();
        this.sectors = cow.header().size() / ss;
        this.runs = new BitmapRuns(cow.bitmap());
    }

    /**
     * Merges into a new file, replacing {@code output} atomically (it appears whole or not at all).
     *
     * @param backingOverride the backing file to use instead of the header's (like uml_moo -b); still checked
     * @param progress        told the device bytes done so far, from 0 to {@link #totalBytes}
     */
    public static Result mergeInto(Path cowPath, Path backingOverride, Path output, LongConsumer progress) {
        return mergeInto(cowPath, backingOverride, output, progress, BackingPolicy.ANY);
    }

    /** The same, refusing a backing file outside the policy's directories before it is opened. */
    public static Result mergeInto(Path cowPath, Path backingOverride, Path output, LongConsumer progress, BackingPolicy policy) {
        try (CowFile cow = CowFile.open(cowPath)) {
            Path backing = backingOverride != null ? backingOverride : cow.headerBackingPath();
            policy.check(cowPath.toString(), backing);
            BackingFile.refuseSelf(cowPath, backing);
            BackingFile.verified(cow.header(), backing);
            refuseOverwrite(output, backing, "the backing file");
            refuseOverwrite(output, cowPath, "the COW file");
            RegularFiles.require(output, OUTPUT_ROLE);
            FileUse.refuseReplacingHeld(output);
            return new CowMerger(cow, backing, progress).toNewFile(output);
        } catch (IOException e) {
            throw new UbdException(cowPath + ": " + CowPaths.describe(e), e);
        }
    }

    /** Merges into the backing file in place (uml_moo -d). Every COW file on that backing becomes invalid. */
    public static Result mergeInPlace(Path cowPath, Path backingOverride, LongConsumer progress) {
        return mergeInPlace(cowPath, backingOverride, progress, BackingPolicy.ANY);
    }

    /** The same, refusing a backing file outside the policy's directories before it is opened. */
    public static Result mergeInPlace(Path cowPath, Path backingOverride, LongConsumer progress, BackingPolicy policy) {
        try (CowFile cow = CowFile.open(cowPath)) {
            Path backing = backingOverride != null ? backingOverride : cow.headerBackingPath();
            policy.check(cowPath.toString(), backing);
            BackingFile.refuseSelf(cowPath, backing);
            BackingFile.verified(cow.header(), backing);
            return new CowMerger(cow, backing, progress).inPlace();
        } catch (IOException e) {
            throw new UbdException(cowPath + ": " + CowPaths.describe(e), e);
        }
    }

    /** Device bytes a merge walks: what progress counts up to. */
    public static long totalBytes(CowHeader header) {
        int ss = header.sectorSize();
        return header.size() / ss * ss;
    }

    private static void refuseOverwrite(Path output, Path precious, String what) {
        if (BackingFile.sameFile(output, precious)
                || output.toAbsolutePath().normalize().equals(precious.toAbsolutePath().normalize())) {
            throw new UbdException(output + ": is " + what + "; refusing to write the merge over it");
        }
    }

    private Result toNewFile(Path output) throws IOException {
        Path tmp = CowCreator.temporarySibling(output);
        long fromCow = 0;
        try (FileChannel backing = FileChannel.open(backingPath, StandardOpenOption.READ);
             MappedWindows backingMap = new MappedWindows(backing, WINDOW);
             FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
            // read-ahead for the page faults of the mapped walk
            NativeFiles.adviseSequential(backing);
            long end = sectors * ss;
            if (backing.size() < end) {
                throw new UbdException("backing file \"" + backingPath + "\" shrank to " + backing.size() + " bytes during the merge");
            }
            boolean lastWritten = false;
            long pos = 0;
            while (pos < end) {
                long start = nextInteresting(backing, pos, end);
                if (start >= end) {
                    break;
                }
                int len = (int) Math.min(Math.min(CHUNK, end - start), backingMap.windowEnd(start) - start);
                ByteBuffer fromBacking;
                long dataAt = NativeFiles.nextData(backing, start);
                long holeEnd = (dataAt < 0 ? end : Math.min(end, dataAt)) / ss * ss;
                if (holeEnd - start >= ss) {
                    // a hole of the backing file reads as zeros: mapping it would make tmpfs allocate
                    // pages in it (a read fault on a shared mapping fills the hole), inflating the backing
                    len = (int) Math.min(len, holeEnd - start);
                    fromBacking = zeros;
                } else {
                    long hole = NativeFiles.nextHole(backing, start);
                    if (hole > start) {
                        len = (int) Math.min(len, (hole + ss - 1) / ss * ss - start);
                    }
                    fromBacking = backingMap.slice(start, len);
                }
                fromCow += overlayCow(start, len);
                lastWritten |= writeNonZeroSectors(out, fromBacking, start, len, end);
                pos = start + len;
                progress.accept(pos);
            }
            if (sectors > 0 && !lastWritten) {
                // uml_moo always writes the last sector, zeros included: it sets the length
                write(out, ByteBuffer.allocateDirect(ss), 0, ss, end - ss);
            }
            progress.accept(end);
        } catch (IOException e) {
            Cleanup.deleteQuietly(tmp);
            // the output is what failed (a full disk, say): name it, not the COW file
            throw new UbdException(output + ": cannot write the merge: " + CowPaths.describe(e), e);
        } catch (RuntimeException e) {
            Cleanup.deleteQuietly(tmp);
            throw e;
        }
        try {
            // again: the merge took time, and a file taken into use meanwhile must not be lost either
            RegularFiles.require(output, OUTPUT_ROLE);
            FileUse.refuseReplacingHeld(output);
        } catch (UbdException e) {
            Cleanup.deleteQuietly(tmp);
            throw e;
        }
        Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Result(output, sectors, fromCow, bytesWritten);
    }

    /** The next sector-aligned offset at or after pos where either file has something to merge. */
    private long nextInteresting(FileChannel backing, long pos, long end) throws IOException {
        long data = NativeFiles.nextData(backing, pos);
        long fromBacking = data < 0 ? end : data / ss * ss;
        long bit = cow.bitmap().nextSet(pos / ss);
        long fromCow = bit < 0 || bit >= sectors ? end : bit * ss;
        return Math.min(Math.max(fromBacking, pos), fromCow);
    }

    /** Reads into {@link #data}, at their offsets in the chunk, the sectors of {@code [start, start+len)} whose bits are set. */
    private long overlayCow(long start, int len) throws IOException {
        long first = start / ss;
        long last = first + len / ss;
        long n = 0;
        BitmapRuns runs = this.runs.over(first, last);
        while (runs.nextSet()) {
            long s = runs.start();
            int off = (int) ((s - first) * ss);
            int runLen = (int) ((runs.end() - s) * ss);
            Buffers.readExactly(cow.channel(), data.duplicate().limit(off + runLen).position(off), cow.geometry().dataOffsetOf(s), cow.path());
            n += runs.end() - s;
        }
        return n;
    }

    /**
     * Writes the chunk's sectors that uml_moo writes (non-zero ones, and the device's last), each
     * from where it lives: the COW data read into {@link #data}, or the mapped backing file.
     * Consecutive sectors from the same source go out in one write.
     *
     * @return whether the device's last sector was written
     */
    private boolean writeNonZeroSectors(FileChannel out, ByteBuffer fromBacking, long start, int len, long end) throws IOException {
        CowBitmap bm = cow.bitmap();
        long first = start / ss;
        int runStart = -1;
        ByteBuffer runSource = null;
        for (int off = 0; off <= len; off += ss) {
            ByteBuffer source = null;
            if (off < len) {
                long sector = first + off / ss;
                ByteBuffer b = sector < bm.bits() && bm.get(sector) ? data : fromBacking;
                if (start + off + ss == end || !Buffers.isZero(b, off, ss)) {
                    source = b;
                }
            }
            if (source != runSource) {
                if (runSource != null) {
                    write(out, runSource, runStart, off - runStart, start + runStart);
                }
                runSource = source;
                runStart = off;
            }
        }
        return start + len == end;
    }

    private Result inPlace() throws IOException {
        long fromCow = 0;
        try (FileChannel backing = FileChannel.open(backingPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = backing.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                int pid = PosixLocks.conflictingOwner(backing, true);
                throw new UbdException("backing file \"" + backingPath + "\" is locked by " + (pid > 0 ? "pid " + pid : "another process")
                        + " (a running UML?); not merging into it");
            }
            long end = sectors * ss;
            BitmapRuns runs = this.runs.over(0, sectors);
            while (runs.nextSet()) {
                long runEnd = runs.end();
                for (long c = runs.start(); c < runEnd; ) {
                    int n = (int) Math.min(CHUNK / ss, runEnd - c);
                    int len = n * ss;
                    long off = c * ss;
                    Buffers.readExactly(cow.channel(), data.duplicate().limit(len), cow.geometry().dataOffsetOf(c), cow.path());
                    Buffers.readExactly(backing, other.duplicate().limit(len), off, backingPath);
                    writeChangedSectors(backing, off, len, end);
                    fromCow += n;
                    c += n;
                    progress.accept(off + len);
                }
            }
            progress.accept(end);
        }
        return new Result(backingPath, sectors, fromCow, bytesWritten);
    }

    /**
     * uml_moo -d writes every COW sector, except all-zero ones over all-zero backing sectors (not the
     * last). Writing only the sectors that differ gives the same bytes and the same allocation:
     * an identical non-zero sector is allocated already. The last sector is always written.
     */
    private void writeChangedSectors(FileChannel backing, long start, int len, long end) throws IOException {
        int runStart = -1;
        for (int off = 0; off <= len; off += ss) {
            boolean write = off < len && (start + off + ss == end || !sameSector(data, other, off, ss));
            if (write && runStart < 0) {
                runStart = off;
            } else if (!write && runStart >= 0) {
                write(backing, data, runStart, off - runStart, start + runStart);
                runStart = -1;
            }
        }
    }

    static boolean isZero(byte[] buf, int off, int len) {
        return Buffers.isZero(ByteBuffer.wrap(buf), off, len);
    }

    private static boolean sameSector(ByteBuffer a, ByteBuffer b, int off, int len) {
        for (int i = off; i < off + len; i += Long.BYTES) {
            if (a.getLong(i) != b.getLong(i)) {
                return false;
            }
        }
        return true;
    }

    private void write(FileChannel ch, ByteBuffer buf, int off, int len, long position) throws IOException {
        CowCreator.writeFully(ch, buf.duplicate().limit(off + len).position(off), position);
        bytesWritten += len;
    }
}
