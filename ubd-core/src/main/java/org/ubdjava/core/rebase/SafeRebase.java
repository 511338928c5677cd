package org.ubdjava.core.rebase;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.BitmapRuns;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.ContentDigest;
import org.ubdjava.core.format.ContentId;
import org.ubdjava.core.format.ContentIdLayout;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.RegularFiles;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.PosixLocks;
import org.ubdjava.core.rebase.ImageCompare.UnitMask;

/**
 * {@code ubd rebase --safe COW... NEWBACKING}: puts COW files onto another backing file without
 * changing a byte the guest sees (qemu-img rebase without -u, for UML COW files).
 *
 * <p>Every sector a COW file does not hold (bitmap bit clear) and where the old and the new backing
 * file differ is copied from the old backing file into the COW file's data area; then the bits of
 * those sectors are set; then the header is switched to the new file (path, mtime, size) in its own
 * version. Each step is a set of writes followed by an fdatasync, as every write of the driver
 * orders data before bits:
 * <ol>
 * <li>data of unheld sectors: invisible while their bits are clear (the device reads them from the
 *     backing file), so any subset of these writes leaves the device as it was;</li>
 * <li>bits: each one set makes the device read a sector's copy of the old backing file's bytes,
 *     which is what it read there before;</li>
 * <li>the header: over the new backing file, every sector that differs is now held.</li>
 * </ol>
 * A crash anywhere leaves a COW file valid over the backing file its header names, showing the
 * same bytes: over the old one until the header write lands, over the new one after. While the walk
 * goes on, the writeback of the data copied so far is started (sync_file_range, a hint), so that
 * the disk writes while the backing files are compared and step 1's sync waits for less; what is
 * durable, and in which order, is still the syncs' doing alone.
 *
 * <p>Many COW files over one old backing file (the usual case: eight guests on one base, the base
 * upgraded) are done together: the old and the new backing file are compared once, over the sectors
 * that at least one of them does not hold, and each differing run, read once, is copied into every
 * COW file that does not hold it. COW files over different old backing files are grouped by file.
 *
 * <p>The device's size follows the backing file (the kernel sizes it by the backing file). A larger
 * new backing file grows the device: its sectors past the old end read from the new file (they did
 * not exist before), which needs the bitmap to grow into the padding before the data area. A bitmap
 * that would reach into the data area is refused, as is a smaller new backing file (the device
 * would lose its last sectors): moving the data area is not done here.
 *
 * <p>Refused before anything is written, in one line naming the file: a COW file in use (locked by
 * a UML or {@code ubd serve}, or open elsewhere), given twice, or serving as another's backing file;
 * an old backing file missing or not the one the header records (size, mtime); a new backing file
 * that is a COW file, empty, locked for writing, or dated where a header cannot hold its mtime; a
 * v1/v2 file whose last sectors' bits the kernel never reads (bug B5) where the backing files
 * differ in those sectors.
 *
 * <p>A COW file with a valid content id ({@link ContentIdLayout}) gets the new backing file's id in
 * the same write as its header (the new file is digested once, for all of them); a stale or damaged
 * one is left as it is.
 */
public final class SafeRebase {
    /** Told how far the rebase is, in backing-file bytes walked (and digested, when a content id is renewed). */
    @FunctionalInterface
    public interface Progress {
        void update(long bytesDone, long bytesTotal);

        Progress NONE = (done, total) -> { };
    }

    /**
     * @param progress told the bytes done
     * @param writers  how COW files are written ({@link CowWriter.Factory#DIRECT}; a test records through its own)
     */
    public record Options(Progress progress, CowWriter.Factory writers) {
        public static final Options DEFAULT = new Options(Progress.NONE, CowWriter.Factory.DIRECT);

        public Options {
            Objects.requireNonNull(progress);
            Objects.requireNonNull(writers);
        }

        public Options withProgress(Progress p) {
            return new Options(p, writers);
        }
    }

    /**
     * What the rebase did to one COW file.
     *
     * @param oldBacking       the backing path the header named
     * @param newBacking       the path it names now (absolutised)
     * @param version          the header's version, kept
     * @param oldDeviceBytes   the device's size over the old backing file (whole sectors)
     * @param newDeviceBytes   its size over the new one
     * @param sectorsCompared  sectors of the old device this COW file does not hold: each was compared
     * @param sectorsDiffering of those, the ones where the two backing files differ
     * @param sectorsCopied    sectors copied from the old backing file into the COW file (all the differing ones):
     *                         their bits are set
     * @param bytesWritten     data bytes written for them: less than {@code sectorsCopied} sectors where the old
     *                         backing file held zeros over a hole of the COW file (the bit alone reads them)
     * @param contentId        the content id now in the header, renewed for the new backing file; null when the file has none
     */
    public record Outcome(Path cow, String oldBacking, String newBacking, int version, long oldDeviceBytes, long newDeviceBytes,
                          long sectorsCompared, long sectorsDiffering, long sectorsCopied, long bytesWritten, ContentId contentId) {
        /** Whether the guest's disk changed size (grew: the new backing file is larger). */
        public boolean deviceGrew() {
            return newDeviceBytes > oldDeviceBytes;
        }
    }

    /**
     * What a rebase did to all of its COW files.
     *
     * @param newBacking     the new backing path, absolutised
     * @param newBackingSize its size in bytes
     * @param bytesRead      bytes read from the backing files to compare and copy (each old range once for all its COW files)
     */
    public record Report(String newBacking, long newBackingSize, List<Outcome> cows, long bytesRead) {
        public Report {
            cows = List.copyOf(cows);
        }
    }

    private SafeRebase() {
    }

    public static Report rebase(List<Path> cows, String newBacking) {
        return rebase(cows, newBacking, Options.DEFAULT);
    }

    /**
     * Rebases {@code cows} onto {@code newBacking}, as the class comment says.
     *
     * @throws UbdException with a one-line message naming the file, when refused (nothing written)
     *                      or when an I/O error stops it (every COW file still valid, see above)
     */
    public static Report rebase(List<Path> cows, String newBacking, Options options) {
        if (cows.isEmpty()) {
            throw new IllegalArgumentException("no COW file to rebase");
        }
        try (Run run = new Run(options)) {
            return run.rebase(cows, newBacking);
        }
    }

    /** fdatasyncs run at once: enough for the eight guests of one base, few enough for any disk queue. */
    static final int MAX_PARALLEL_SYNCS = 8;

    /** The refusal and I/O words every message shares. */
    static final String NOT_DONE = "not rebasing it";

    /** One COW file being rebased. */
    private static final class Target {
        final LockedCow file;
        final CowWriter writer;
        final CowHeader header;
        final CowGeometry geometry;
        final CowBitmap bitmap;
        /** The bits of the sectors copied so far: written after the data is synced. */
        final CowBitmap copied;
        final ContentIdState id;
        Group group;
        CowGeometry newGeometry;
        long compared;
        long differing;
        long bytesWrittenData;
        /** The file range the current chunk's writes touched, for the writeback hint; empty when {@code writtenFrom >= writtenTo}. */
        long writtenFrom = Long.MAX_VALUE;
        long writtenTo;

        /** A writeback hint of this file is queued, not yet started: the next range joins the one after it. */
        final AtomicBoolean hintQueued = new AtomicBoolean();

        /**
         * Lets the disk start on the writes copied since the last hint while the walk goes on, so
         * the data sync at the end waits for less: on {@code writeback}'s thread, as the call may
         * block while the disk queue is full, and the walk must not. At most one hint a file waits
         * in the queue; while it waits, the range grows.
         */
        void startWriteback(ExecutorService writeback) {
            if (writtenFrom < writtenTo && hintQueued.compareAndSet(false, true)) {
                long from = writtenFrom;
                long length = writtenTo - writtenFrom;
                writtenFrom = Long.MAX_VALUE;
                writtenTo = 0;
                writeback.execute(() -> {
                    hintQueued.set(false);
                    writer.startWriteback(from, length);
                });
            }
        }

        Target(LockedCow file, CowWriter writer, CowBitmap bitmap, ContentIdState id) {
            this.file = file;
            this.writer = writer;
            this.header = file.header;
            this.geometry = header.geometry();
            this.bitmap = bitmap;
            this.copied = new CowBitmap(bitmap.bits(), bitmap.byteLength());
            this.id = id;
        }

        Path path() {
            return file.path;
        }
    }

    /** COW files over one old backing file (with one sector size): compared once. */
    private static final class Group {
        final Path oldPath;
        final BackingFile oldStat;
        final int sectorSize;
        final List<Target> targets = new ArrayList<>();
        FileChannel oldChannel;
        boolean sameAsNew;

        Group(Path oldPath, BackingFile oldStat, int sectorSize) {
            this.oldPath = oldPath;
            this.oldStat = oldStat;
            this.sectorSize = sectorSize;
        }

        /** The old device's size: whole sectors of the backing file, rounded up. */
        long deviceBytes() {
            return (oldStat.size() + sectorSize - 1) / sectorSize * sectorSize;
        }
    }

    private static final class Run implements AutoCloseable {
        final Options options;
        final List<Target> targets = new ArrayList<>();
        final Map<Object, Group> groups = new LinkedHashMap<>();
        final List<FileChannel> channels = new ArrayList<>();
        Path newPath;
        String newAbsolute;
        BackingFile newStat;
        FileChannel newChannel;
        long bytesRead;
        long done;
        long total;

        Run(Options options) {
            this.options = options;
        }

        Report rebase(List<Path> cows, String newBacking) {
            newAbsolute = CowPaths.absolutise(newBacking);
            newPath = Path.of(newAbsolute);
            try {
                newStat = BackingFile.stat(newPath);
            } catch (UbdException e) {
                throw new UbdException("new " + e.getMessage());
            }
            for (Path cow : cows) {
                if (BackingFile.sameFile(cow, newPath)) {
                    throw new UbdException(cow + ": is the new backing file itself; " + NOT_DONE);
                }
            }
            checkNewBacking();
            open(cows);
            try {
                for (Group g : groups.values()) {
                    total += g.sameAsNew ? 0 : g.deviceBytes();
                }
                if (targets.stream().anyMatch(t -> t.id.valid())) {
                    total += newStat.size();
                }
                for (Group g : groups.values()) {
                    copyDiffering(g);
                }
                syncAll();
                writeAllBits();
                ContentId newId = renewedId();
                requireUnchanged();
                List<Outcome> outcomes = new ArrayList<>();
                for (Target t : targets) {
                    ContentId id = t.id.valid() ? newId : null;
                    try {
                        t.file.switchHeader(t.writer, newAbsolute, newStat.storedMtime(), newStat.size(), id);
                    } catch (IOException e) {
                        throw new UbdException(t.path() + ": cannot write its header: " + CowPaths.describe(e), e);
                    }
                    Group g = t.group;
                    outcomes.add(new Outcome(t.path(), t.header.backingFile(), newAbsolute, t.header.version(), g.deviceBytes(),
                            (newStat.size() + g.sectorSize - 1) / g.sectorSize * g.sectorSize,
                            t.compared, t.differing, t.copied.cardinality(), t.bytesWrittenData, id));
                }
                return new Report(newAbsolute, newStat.size(), outcomes, bytesRead);
            } catch (IOException e) {
                throw new UbdException("rebase onto \"" + newAbsolute + "\": " + CowPaths.describe(e), e);
            }
        }

        private void checkNewBacking() {
            String which = "new backing file \"" + newAbsolute + "\"";
            if (!newStat.mtimeFitsHeader()) {
                throw new UbdException(which + " has mtime " + newStat.mtimeSeconds()
                        + ", which a COW header cannot hold (32 bits): the kernel would refuse every COW file over it");
            }
            if (newStat.size() == 0) {
                throw new UbdException(which + " is empty (0 bytes)");
            }
            newChannel = openBacking(newPath, which);
            try {
                if (BackingFile.hasCowMagic(newChannel)) {
                    throw new UbdException("new " + BackingFile.cowItself(newPath));
                }
            } catch (IOException e) {
                throw new UbdException(which + ": " + CowPaths.describe(e), e);
            }
        }

        /** Opens a backing file read-only and read-locks it, as the kernel does: refused while someone writes it under a lock. */
        private FileChannel openBacking(Path path, String which) {
            FileChannel ch;
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UbdException(which + ": " + CowPaths.describe(e), e);
            }
            channels.add(ch);
            if (PosixLocks.tryLock(ch, false) != 0) {
                int pid = PosixLocks.conflictingOwner(ch, false);
                throw new UbdException(which + " is locked for writing by " + (pid > 0 ? "pid " + pid : "another process")
                        + " (a UML using it as its disk?); it must not change during a rebase");
            }
            return ch;
        }

        /** Every check, and every file opened and locked, before the first write. */
        private void open(List<Path> cows) {
            Map<Object, Path> seen = new LinkedHashMap<>();
            for (Path cow : cows) {
                RegularFiles.require(cow, CowFile.ROLE);
                Object key = fileKey(cow);
                Path before = seen.putIfAbsent(key, cow);
                if (before != null) {
                    throw new UbdException(cow + ": given twice (also as " + before + ")");
                }
            }
            for (Path cow : cows) {
                LockedCow file = LockedCow.open(cow, NOT_DONE);
                channels.add(file.channel);
                Target t = prepare(file, seen);
                targets.add(t);
            }
            for (Group g : groups.values()) {
                checkKernelOnlyTail(g);
            }
        }

        private Target prepare(LockedCow file, Map<Object, Path> cows) {
            Path cow = file.path;
            CowHeader h = file.header;
            CowGeometry geo = h.geometry();
            geo.requireBitmapFitsHeap(cow.toString());
            Path oldPath = CowPaths.resolve(h.backingFile());
            BackingFile.refuseSelf(cow, oldPath);
            BackingFile old;
            try {
                old = BackingFile.stat(oldPath);
            } catch (UbdException e) {
                throw new UbdException(cow + ": " + e.getMessage() + "; a safe rebase copies from the backing file the header names");
            }
            old.mismatch(h).ifPresent(m -> {
                throw new UbdException(cow + ": " + m + "; a safe rebase needs the backing file the header names, unchanged");
            });
            Object oldKey = fileKey(oldPath);
            Path isCow = cows.get(oldKey);
            if (isCow != null) {
                throw new UbdException(cow + ": its backing file is " + isCow + ", also given to rebase; rebase one at a time");
            }
            layoutChecks(cow, h);
            CowBitmap bitmap;
            ContentIdState id;
            try {
                bitmap = CowBitmap.read(file.channel, geo.bitmapOffset(), geo.bitmapBytes(), geo.coveredSectors());
                id = ContentIdLayout.read(file.channel, h);
            } catch (IOException e) {
                throw new UbdException(cow + ": cannot read: " + CowPaths.describe(e), e);
            }
            Target t = new Target(file, options.writers().of(cow, file.channel), bitmap, id);
            t.newGeometry = sizedFor(cow, h, newStat.size());
            Group g = groups.computeIfAbsent(List.of(oldKey, geo.sectorSize()), k -> {
                Group n = new Group(oldPath, old, geo.sectorSize());
                n.sameAsNew = BackingFile.sameFile(oldPath, newPath);
                n.oldChannel = n.sameAsNew ? newChannel : openBacking(oldPath, cow + ": backing file \"" + oldPath + "\"");
                return n;
            });
            g.targets.add(t);
            t.group = g;
            return t;
        }

        private void layoutChecks(Path cow, CowHeader h) {
            // the message of a path too long for the field names the path; the caller's names the COW file
            try {
                h.layout().encodePathField(newAbsolute);
            } catch (UbdException e) {
                throw new UbdException(cow + ": " + e.getMessage() + " in its v" + h.version() + " header");
            }
        }

        /**
         * The geometry the header gets for the new size: the same data offset, or refused. A smaller
         * backing file would cut sectors off the device; a larger one whose bitmap reaches into the
         * data area would need the data moved.
         */
        private CowGeometry sizedFor(Path cow, CowHeader h, long newSize) {
            if (newSize < h.size()) {
                throw new UbdException(cow + ": the new backing file \"" + newAbsolute + "\" is " + newSize + " bytes, smaller than the " + h.size()
                        + " its header records: the device would lose its last sectors; " + NOT_DONE);
            }
            CowGeometry now = h.geometry();
            if (newSize > h.size() && now.bitmapLength() * 8 < now.sectors()) {
                // the kernel reads the last sectors from the backing file whatever their bits say
                // (B5); a longer bitmap would start reading those bits: another device
                throw new UbdException(cow + ": its v" + h.version() + " bitmap leaves out the bits of its last "
                        + (now.sectors() - now.bitmapLength() * 8) + " sectors (bug B5), which a larger backing file would bring in; "
                        + NOT_DONE);
            }
            CowHeader resized = new CowHeader(h.layout(), h.magicOrder(), h.backingFile(), h.mtime(), newSize, h.sectorSize(),
                    h.alignment(), h.cowFormat());
            CowGeometry then = resized.geometry();
            if (then.dataOffset() != now.dataOffset()) {
                long room = (now.dataOffset() - now.bitmapOffset()) * 8 * h.sectorSize();
                throw new UbdException(cow + ": the new backing file \"" + newAbsolute + "\" is " + newSize + " bytes, the old " + h.size()
                        + ": the bitmap for the larger device would move the data area from offset " + now.dataOffset() + " to "
                        + then.dataOffset() + ", which a safe rebase does not do (this file's bitmap has room for up to "
                        + Math.max(h.size(), room) + " bytes); " + NOT_DONE);
            }
            return then;
        }

        /**
         * v1/v2 files whose sector count is not a multiple of 8 (bug B5): the kernel reads a bitmap
         * without the last sectors' bits, so it reads those sectors from the backing file whatever
         * the bits say. If the backing files differ there, no copy can keep what the guest sees.
         */
        private void checkKernelOnlyTail(Group g) {
            if (g.sameAsNew) {
                return;
            }
            for (Target t : g.targets) {
                long kernelBits = Math.min(t.geometry.bitmapLength() * 8, t.geometry.coveredSectors());
                long sectors = g.deviceBytes() / g.sectorSize;
                if (kernelBits >= sectors) {
                    continue;
                }
                long[] first = {-1};
                try {
                    new ImageCompare(g.oldChannel, newChannel, g.sectorSize).run(g.deviceBytes(), new UnitMask() {
                        @Override
                        public long nextWanted(long from, long limit) {
                            return Math.max(from, Math.min(limit, kernelBits));
                        }

                        @Override
                        public long nextUnwanted(long from, long limit) {
                            return limit;
                        }
                    }, (offset, a, b) -> {
                        if (first[0] < 0) {
                            first[0] = offset / g.sectorSize;
                        }
                    }, x -> { });
                } catch (IOException e) {
                    throw new UbdException(g.oldPath + ": " + CowPaths.describe(e), e);
                }
                if (first[0] >= 0) {
                    throw new UbdException(t.path() + ": sector " + first[0] + " differs between the backing files, and its bit lies past the v"
                            + t.header.version() + " bitmap the kernel reads (bug B5): the kernel would read it from the new backing file; "
                            + NOT_DONE);
                }
            }
        }

        /** Step 1 for a group: compare the backing files where some COW file does not hold the sector; copy each differing run into those that do not. */
        private void copyDiffering(Group g) throws IOException {
            long sectors = g.deviceBytes() / g.sectorSize;
            for (Target t : g.targets) {
                t.compared = sectors - countSet(t.bitmap, sectors);
            }
            if (g.sameAsNew) {
                return;
            }
            long base = done;
            ImageCompare.Stats s;
            try (Copier copier = new Copier(g.targets, g.sectorSize)) {
                s = new ImageCompare(g.oldChannel, newChannel, g.sectorSize).run(g.deviceBytes(), unheldByAny(g.targets), copier,
                        p -> options.progress().update(base + p, total));
            } catch (IOException e) {
                throw new UbdException("\"" + g.oldPath + "\" vs \"" + newPath + "\": cannot compare: " + CowPaths.describe(e), e);
            }
            bytesRead += s.bytesRead();
            done = base + g.deviceBytes();
        }

        static boolean isHole(FileChannel ch, long offset, int length) throws IOException {
            long data = NativeFiles.nextData(ch, offset);
            return data < 0 || data >= offset + length;
        }

        private static long countSet(CowBitmap bm, long sectors) {
            long n = 0;
            BitmapRuns r = new BitmapRuns(bm).over(0, Math.min(sectors, bm.bits()));
            while (r.nextSet()) {
                n += r.end() - r.start();
            }
            return n;
        }

        /** Sectors some COW file of the group does not hold: the only ones whose backing content anyone sees. */
        private static UnitMask unheldByAny(List<Target> ts) {
            return new UnitMask() {
                @Override
                public long nextWanted(long from, long limit) {
                    long best = limit;
                    for (Target t : ts) {
                        best = Math.min(best, t.bitmap.nextClear(from, limit));
                    }
                    return best;
                }

                @Override
                public long nextUnwanted(long from, long limit) {
                    // the first sector every file holds: jump to each one's next set bit until they agree
                    long at = from;
                    boolean moved = true;
                    while (moved && at < limit) {
                        moved = false;
                        for (Target t : ts) {
                            long s = t.bitmap.nextSet(at, limit);
                            if (s != at) {
                                at = s;
                                moved = true;
                            }
                        }
                    }
                    return Math.min(at, limit);
                }
            };
        }

        /**
         * The data of every COW file made durable, all at once: each fdatasync waits for its own
         * file's blocks, so eight files synced one after the other would wait eight times.
         */
        private void syncAll() {
            atOnce(targets.stream().filter(t -> t.bytesWrittenData > 0).toList(), Run::sync, "syncing the COW files");
        }

        /** Step 2 for every COW file, at once: each file's bitmap write and sync are its own. */
        private void writeAllBits() {
            atOnce(targets, this::writeBits, "writing the bitmaps");
        }

        /** Runs {@code step} for each target, on up to {@link #MAX_PARALLEL_SYNCS} threads; the first failure is thrown. */
        private static void atOnce(List<Target> ts, Consumer<Target> step, String doing) {
            if (ts.size() <= 1) {
                ts.forEach(step);
                return;
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(ts.size(), MAX_PARALLEL_SYNCS), r -> {
                Thread th = new Thread(r, "rebase-sync");
                th.setDaemon(true);
                return th;
            });
            try {
                List<Future<?>> done = new ArrayList<>();
                for (Target t : ts) {
                    done.add(pool.submit(() -> step.accept(t)));
                }
                for (Future<?> f : done) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException r ? r : new UbdException(String.valueOf(e.getCause()), e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new UbdException("interrupted while " + doing, e);
                    }
                }
            } finally {
                pool.shutdown();
            }
        }

        private static void sync(Target t) {
            try {
                t.writer.sync();
            } catch (IOException e) {
                throw new UbdException(t.path() + ": cannot sync: " + CowPaths.describe(e), e);
            }
        }

        /**
         * Step 2: the bits of the copied sectors, and, when the device grows, clear bits for its new
         * sectors (the bitmap grows into padding, where a kernel write-back may have left bytes).
         * Whole bitmap bytes, from the bits read at the start plus the copied ones: nobody else
         * writes the file while we hold its lock.
         */
        private void writeBits(Target t) {
            long oldBytes = t.geometry.bitmapBytes();
            long newBytes = t.newGeometry.bitmapBytes();
            List<long[]> ranges = new ArrayList<>();
            for (long s = t.copied.nextSet(0); s >= 0; ) {
                long word = s >>> 6;
                long from = word * 8;
                long to = Math.min(oldBytes, from + 8);
                if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] >= from) {
                    ranges.get(ranges.size() - 1)[1] = to;
                } else {
                    ranges.add(new long[] {from, to});
                }
                s = t.copied.nextSet((word + 1) << 6);
            }
            long oldSectors = t.header.size() == 0 ? 0 : (t.header.size() + t.geometry.sectorSize() - 1) / t.geometry.sectorSize();
            if (newBytes > oldBytes || t.newGeometry.sectors() > oldSectors) {
                long from = oldSectors >>> 3;
                if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] >= from) {
                    ranges.get(ranges.size() - 1)[1] = Math.max(ranges.get(ranges.size() - 1)[1], newBytes);
                } else {
                    ranges.add(new long[] {from, newBytes});
                }
            }
            if (ranges.isEmpty()) {
                return;
            }
            try {
                // the bitmap's bytes are its words in little-endian order: whole words where they fit
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (long[] r : ranges) {
                    for (long b = r[0]; b < r[1]; ) {
                        int n = (int) Math.min(buf.capacity(), r[1] - b);
                        buf.clear().limit(n);
                        for (int i = 0; i < n; ) {
                            long at = b + i;
                            if ((at & 7) == 0 && i + 8 <= n && at + 8 <= t.bitmap.byteLength()) {
                                int w = (int) (at >>> 3);
                                buf.putLong(i, t.bitmap.word(w) | t.copied.word(w));
                                i += 8;
                            } else {
                                buf.put(i, bitmapByte(t, at));
                                i++;
                            }
                        }
                        t.writer.write(buf, t.geometry.bitmapOffset() + b);
                        b += n;
                    }
                }
                t.writer.sync();
            } catch (IOException e) {
                throw new UbdException(t.path() + ": cannot write its bitmap: " + CowPaths.describe(e), e);
            }
        }

        /** Byte {@code b} of the bitmap after the copy: bits held before or copied now; zero past the old bitmap. */
        private static byte bitmapByte(Target t, long b) {
            if (b >= t.bitmap.byteLength()) {
                return 0;
            }
            int w = (int) (b >>> 3);
            long word = t.bitmap.word(w) | t.copied.word(w);
            return (byte) (word >>> ((b & 7) << 3));
        }

        /** The new backing file's content id, digested once through our own (locked) descriptor, when a COW file keeps one. */
        private ContentId renewedId() throws IOException {
            if (targets.stream().noneMatch(t -> t.id.valid())) {
                return null;
            }
            long base = done;
            byte[] digest = ContentDigest.digest(newChannel, newStat.size(), ContentDigest.DEFAULT,
                    p -> options.progress().update(base + p, total));
            done = base + newStat.size();
            return new ContentId(ContentDigest.DEFAULT, newStat.size(), newStat.storedMtime(), digest);
        }

        /** Before the headers name the new file: neither backing file changed while we read them. */
        private void requireUnchanged() {
            changed(newPath, newStat).ifPresent(m -> {
                throw new UbdException("new backing file \"" + newAbsolute + "\" " + m + " during the rebase; no header was switched");
            });
            for (Group g : groups.values()) {
                changed(g.oldPath, g.oldStat).ifPresent(m -> {
                    throw new UbdException(g.targets.get(0).path() + ": backing file \"" + g.oldPath + "\" " + m
                            + " during the rebase; no header was switched");
                });
            }
        }

        private static Optional<String> changed(Path p, BackingFile before) {
            BackingFile now;
            try {
                now = BackingFile.stat(p);
            } catch (UbdException e) {
                return Optional.of("disappeared");
            }
            if (now.size() != before.size() || now.mtimeSeconds() != before.mtimeSeconds()) {
                return Optional.of("changed (size " + before.size() + " -> " + now.size() + ", mtime " + before.mtimeSeconds()
                        + " -> " + now.mtimeSeconds() + ")");
            }
            return Optional.empty();
        }

        private static Object fileKey(Path p) {
            try {
                Object k = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
                return k != null ? k : p.toRealPath();
            } catch (IOException e) {
                return p.toAbsolutePath().normalize();
            }
        }

        @Override
        public void close() {
            for (FileChannel ch : channels) {
                Cleanup.closeQuietly(ch);
            }
        }
    }

    /**
     * Copies each differing run of the old backing file into the COW files of a group that do not
     * hold it. With several files, each file's writes of a chunk run on a thread of their own (the
     * files are independent; a chunk's writes to one file stay in order), and the chunk is done
     * when all of them are.
     */
    private static final class Copier implements ImageCompare.Differences, AutoCloseable {
        private final List<Target> targets;
        private final int ss;
        private final BitmapRuns[] runs;
        private final Pending[] pending;
        private final ExecutorService pool;
        /** One thread that starts the writeback of what was copied: hints only, dropped unstarted at the end. */
        private final ExecutorService writeback = Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "rebase-writeback");
            th.setDaemon(true);
            return th;
        });
        private final List<Future<?>> inFlight = new ArrayList<>();
        /** The chunk's old bytes (a view of the compare's buffer, or of its zeros): the same for every run of a chunk. */
        private ByteBuffer source;

        Copier(List<Target> targets, int sectorSize) {
            this.targets = targets;
            this.ss = sectorSize;
            this.runs = new BitmapRuns[targets.size()];
            this.pending = new Pending[targets.size()];
            for (int i = 0; i < runs.length; i++) {
                runs[i] = new BitmapRuns(targets.get(i).bitmap);
                pending[i] = new Pending();
            }
            this.pool = targets.size() < 2 ? null : Executors.newFixedThreadPool(Math.min(targets.size(), MAX_PARALLEL_SYNCS), r -> {
                Thread th = new Thread(r, "rebase-copy");
                th.setDaemon(true);
                return th;
            });
        }

        @Override
        public void differ(long offset, ByteBuffer oldBytes, ByteBuffer newBytes) throws IOException {
            source = oldBytes;
            int at = oldBytes.position();
            long first = offset / ss;
            long last = first + (oldBytes.limit() - at) / ss;
            for (int i = 0; i < runs.length; i++) {
                BitmapRuns r = runs[i].over(first, last);
                while (r.next()) {
                    if (r.set()) {
                        continue;
                    }
                    int from = at + (int) ((r.start() - first) * ss);
                    if (pool == null) {
                        copy(targets.get(i), oldBytes, from, r.start(), r.end());
                    } else {
                        pending[i].add(from, r.start(), r.end());
                    }
                }
            }
        }

        @Override
        public void chunkDone() throws IOException {
            if (pool == null) {
                targets.forEach(t -> t.startWriteback(writeback));
                return;
            }
            if (source == null) {
                return;
            }
            for (int i = 0; i < pending.length; i++) {
                Pending p = pending[i];
                if (p.count == 0) {
                    continue;
                }
                Target t = targets.get(i);
                ByteBuffer view = source.duplicate();
                inFlight.add(pool.submit(() -> {
                    for (int k = 0; k < p.count; k++) {
                        copy(t, view, p.from[k], p.start[k], p.end[k]);
                    }
                    p.count = 0;
                    t.startWriteback(writeback);
                    return null;
                }));
            }
            try {
                for (Future<?> f : inFlight) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        Throwable c = e.getCause();
                        throw c instanceof RuntimeException r ? r : new UbdException(String.valueOf(c), c);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new UbdException("interrupted while copying into the COW files", e);
                    }
                }
            } finally {
                inFlight.clear();
            }
            source = null;
        }

        /**
         * Copies sectors {@code [s0, s1)} from {@code view} at {@code from} into the COW file's data
         * area and marks them for the bitmap. Zeros over a hole of the data area need no write: the
         * bit alone makes the sector read the hole's zeros (an upgrade fills free space).
         */
        private void copy(Target t, ByteBuffer view, int from, long s0, long s1) {
            int n = (int) ((s1 - s0) * ss);
            long to = t.geometry.dataOffsetOf(s0);
            try {
                if (!Buffers.isZero(view.limit(view.capacity()), from, n) || !Run.isHole(t.file.channel, to, n)) {
                    t.writer.write(view.limit(from + n).position(from), to);
                    t.bytesWrittenData += n;
                    t.writtenFrom = Math.min(t.writtenFrom, to);
                    t.writtenTo = Math.max(t.writtenTo, to + n);
                }
            } catch (IOException e) {
                throw new UbdException(t.path() + ": cannot write: " + CowPaths.describe(e), e);
            }
            t.copied.setRange(s0, s1);
            t.differing += s1 - s0;
        }

        /**
         * Stops the copy threads, drops the writeback hints not yet started and waits for the one
         * running: it names a descriptor the rebase closes later, which must not be another file's by then.
         */
        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
            }
            writeback.shutdownNow();
            try {
                writeback.awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A chunk's runs still to copy into one COW file; arrays reused from chunk to chunk. */
    private static final class Pending {
        int[] from = new int[64];
        long[] start = new long[64];
        long[] end = new long[64];
        int count;

        void add(int f, long s, long e) {
            if (count == from.length) {
                from = Arrays.copyOf(from, count * 2);
                start = Arrays.copyOf(start, count * 2);
                end = Arrays.copyOf(end, count * 2);
            }
            from[count] = f;
            start[count] = s;
            end[count] = e;
            count++;
        }
    }
}
