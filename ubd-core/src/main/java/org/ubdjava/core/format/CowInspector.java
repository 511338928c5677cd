package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.BitmapRuns;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.nativeio.DataMap;
import org.ubdjava.core.nativeio.NativeFiles;

/** Read-only questions about a COW file: what it says (info), whether it is sound (check), where data lives (map). */
public final class CowInspector {
    private CowInspector() {
    }

    /** What {@code ubd info} shows. */
    public static CowInfo info(CowFile cow) throws IOException {
        return info(cow, BackingPolicy.ANY);
    }

    /**
     * The record, with where the backing file really is (symlinks resolved) and, under a
     * restricting policy, whether that is allowed. A backing file outside is not even stat'ed.
     */
    public static CowInfo info(CowFile cow, BackingPolicy policy) throws IOException {
        CowHeader h = cow.header();
        CowGeometry g = cow.geometry();
        Optional<String> violation = policy.violation(cow.path().toString(), cow.headerBackingPath());
        Optional<String> problem = violation.isPresent() ? violation : backingProblem(cow);
        return new CowInfo(cow.path().toString(), h.version(), h.brokenV3(),
                h.version() == 1 ? "little-endian" : "big-endian",
                h.magicOrder() == ByteOrder.BIG_ENDIAN ? "big-endian" : "little-endian",
                h.backingFile(), h.mtime(), h.size(), h.sectorSize(), h.alignment(), h.cowFormat(),
                g.bitmapOffset(), g.bitmapLength(), g.dataOffset(), g.sectors(), cow.bitmap().cardinality(),
                cow.channel().size(), NativeFiles.allocatedBytes(cow.channel()),
                problem.isEmpty(), problem.orElse(null),
                BackingPolicy.realPath(cow.headerBackingPath()).map(Path::toString).orElse(null),
                policy.restricts() ? violation.isEmpty() : null,
                CowInfo.ContentIdInfo.of(ContentIdLayout.read(cow.channel(), h)));
    }

    static Optional<String> backingProblem(CowFile cow) {
        if (BackingFile.isSelf(cow.path(), cow.headerBackingPath())) {
            return Optional.of(BackingFile.SELF);
        }
        try {
            return BackingFile.stat(cow.headerBackingPath()).mismatch(cow.header());
        } catch (UbdException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Problems that make the COW file unusable or wrong, one line each; empty when all is well. */
    public static List<String> check(CowFile cow) throws IOException {
        return check(cow, BackingPolicy.ANY, null);
    }

    /**
     * The problems, plus two a user asks about for COW files from elsewhere: a backing file outside
     * the policy's directories (then not even stat'ed), and one that is not {@code expectedBacking}
     * (compared by identity, device and inode, so another path to the same file is fine).
     */
    public static List<String> check(CowFile cow, BackingPolicy policy, Path expectedBacking) throws IOException {
        List<String> problems = new ArrayList<>();
        String f = cow.path().toString();
        CowHeader h = cow.header();
        CowGeometry g = cow.geometry();
        long length = cow.channel().size();
        Optional<String> violation = policy.violation(f, cow.headerBackingPath());
        if (violation.isPresent()) {
            problems.add(violation.get());
        } else {
            backingProblem(cow).ifPresent(p -> problems.add(f + ": " + p));
        }
        if (expectedBacking != null && !BackingFile.sameFile(cow.headerBackingPath(), expectedBacking)) {
            problems.add(f + ": backing file \"" + h.backingFile() + "\" is not the expected \"" + expectedBacking + "\"");
        }
        if (!h.backingFile().startsWith("/")) {
            problems.add(f + ": backing file \"" + h.backingFile() + "\" is a relative path: it depends on the current directory");
        }
        if (h.cowFormat() != HeaderV3.COW_BITMAP) {
            problems.add(f + ": unknown cow_format " + h.cowFormat() + " (only 0, the plain bitmap, is defined)");
        }
        if (h.sectorSize() != HeaderV3.DEFAULT_SECTOR_SIZE) {
            problems.add(f + ": sector size " + h.sectorSize() + ": the kernel does I/O in 512-byte sectors while uml_moo uses "
                    + h.sectorSize() + ", so they disagree on this file");
        }
        if (length < g.bitmapOffset() + g.bitmapLength()) {
            problems.add(f + ": file is " + length + " bytes, shorter than the end of the bitmap (" + (g.bitmapOffset() + g.bitmapLength()) + ")");
        }
        CowBitmap bm = cow.bitmap();
        long sectors = g.coveredSectors();
        // a partial last sector may lie past the end (a discard keeps the size); uml_moo drops it anyway
        long whole = Math.min(sectors, h.size() / g.sectorSize());
        long lastSet = -1;
        BitmapRuns runs = new BitmapRuns(bm).over(0, whole);
        while (runs.nextSet()) {
            lastSet = runs.end() - 1;
        }
        if (lastSet >= 0 && g.dataOffsetOf(lastSet + 1) > length) {
            long firstMissing = Math.max(0, (length - g.dataOffset() + g.sectorSize() - 1) / g.sectorSize());
            problems.add(f + ": sectors up to " + lastSet + " are marked present but the file ends at " + length
                    + " (data from sector " + firstMissing + " on is missing: truncated?)");
        }
        garbageBits(cow).ifPresent(p -> problems.add(f + ": " + p));
        contentIdProblem(cow).ifPresent(p -> problems.add(f + ": " + p));
        if (g.bitmapBytes() < CowGeometry.ceilDiv(g.sectors(), 8) || g.bitmapBytes() > g.bitmapLength()) {
            problems.add(f + ": v" + h.version() + " bitmap is " + g.bitmapLength() + " bytes for " + g.sectors()
                    + " sectors: the kernel forgets the last " + (g.sectors() % 8) + " sectors' bits at every open (bug B5)");
        }
        if (sectors < g.sectors()) {
            problems.add(f + ": sectors " + sectors + " to " + (g.sectors() - 1) + " have no bit in the bitmap");
        }
        return problems;
    }

    /**
     * A content id record that cannot serve: damaged (a torn write, another program's bytes), or
     * stale (made for another backing file: a tool that does not know the record rewrote the
     * header). No record, or a layout without room for one, is no problem: the id is opt-in.
     */
    private static Optional<String> contentIdProblem(CowFile cow) throws IOException {
        ContentIdState s = ContentIdLayout.read(cow.channel(), cow.header());
        return s.kind() == ContentIdState.Kind.DAMAGED || s.kind() == ContentIdState.Kind.STALE
                ? Optional.of(s.problem()) : Optional.empty();
    }

    /** Bits set past the device's last sector in the bitmap's final byte: never set by a correct writer. */
    private static Optional<String> garbageBits(CowFile cow) throws IOException {
        CowGeometry g = cow.geometry();
        long bits = g.coveredSectors();
        if (bits % 8 == 0 || g.bitmapBytes() == 0) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.allocate(1);
        int n = cow.channel().read(b, g.bitmapOffset() + g.bitmapBytes() - 1);
        if (n != 1) {
            return Optional.empty();
        }
        int stray = (b.get(0) & 0xFF) >>> (bits % 8);
        return stray == 0 ? Optional.empty()
                : Optional.of("bitmap has bits set past the last sector (" + (bits - 1) + "): garbage in byte "
                        + (g.bitmapBytes() - 1));
    }

    /** One extent of the device as the guest sees it. */
    public record Extent(long start, long length, String source, long offset, boolean data) {
    }

    /**
     * The device's extents, like {@code qemu-img map}: runs of sectors from the COW file or from the
     * backing file, split where the file they come from has a hole ({@code data = false}: zeros).
     * The same walk as the driver's COW device answers block status with: bitmap runs, then each
     * run's file split into data and holes.
     */
    public static List<Extent> map(CowFile cow) throws IOException {
        List<Extent> out = new ArrayList<>();
        CowGeometry g = cow.geometry();
        int ss = g.sectorSize();
        long deviceEnd = cow.header().size();
        // stat first: the header's path is the file's author's choice, and opening a FIFO would
        // block for ever; a missing file is the user's problem, told in one line (found by FuzzCowFileTest)
        BackingFile.refuseSelf(cow.path(), cow.headerBackingPath());
        try (FileChannel backing = BackingFile.openForReading(cow.headerBackingPath())) {
            DataMap cowData = DataMap.of(cow.channel());
            DataMap backingData = DataMap.of(backing);
            cow.bitmap().forEachRun(0, g.sectors(), (first, end, inCow) -> {
                long start = first * ss;
                long stop = Math.min(end * ss, deviceEnd);
                String source = inCow ? "cow" : "backing";
                long base = inCow ? g.dataOffset() : 0;
                (inCow ? cowData : backingData).forEachRun(base + start, base + stop,
                        (from, to, data) -> append(out, new Extent(from - base, to - from, source, from, data)));
            });
        }
        return out;
    }

    private static void append(List<Extent> out, Extent e) {
        if (!out.isEmpty()) {
            Extent last = out.get(out.size() - 1);
            if (last.source().equals(e.source()) && last.data() == e.data()
                    && last.start() + last.length() == e.start() && last.offset() + last.length() == e.offset()) {
                out.set(out.size() - 1, new Extent(last.start(), last.length() + e.length(), last.source(), last.offset(), last.data()));
                return;
            }
        }
        out.add(e);
    }
}
