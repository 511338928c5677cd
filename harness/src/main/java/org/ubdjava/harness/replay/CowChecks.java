package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.nativeio.DataMap;
import org.ubdjava.core.nativeio.NativeFiles;

import it.unimi.dsi.fastutil.longs.Long2IntMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;

/** The checks of a VM's COW file after the run: its bitmap, its disk usage, and a full merge. */
final class CowChecks {
    private final ReadVerifier verifier;
    private final MismatchLog log;

    CowChecks(ReadVerifier verifier, MismatchLog log) {
        this.verifier = verifier;
        this.log = log;
    }

    /** Whether the bitmap holds exactly the sectors the VM wrote or discarded (rotated), and the file's disk usage. */
    record BitmapResult(boolean exact, long diskUsage) {
    }

    BitmapResult bitmap(VmSchedule vm, Path cow) {
        try (CowFile f = CowFile.open(cow)) {
            CowBitmap bm = f.bitmap();
            long usage = NativeFiles.allocatedBytes(f.channel());
            long missing = 0;
            long extra = 0;
            long firstMissing = -1;
            long[] expected = vm.writtenWords();
            if (expected == null) { // a device too large for a word array: sector by sector
                for (Long2IntMap.Entry e : vm.plan.model.view().long2IntEntrySet()) {
                    long d = vm.device(e.getLongKey());
                    if (!bm.get(d) && missing++ == 0) {
                        firstMissing = d;
                    }
                }
                extra = bm.cardinality() - (vm.plan.model.sectors() - missing);
            }
            for (int w = 0, n = expected == null ? 0 : Math.max(expected.length, bm.wordCount()); w < n; w++) {
                long want = w < expected.length ? expected[w] : 0;
                long got = w < bm.wordCount() ? bm.word(w) : 0;
                if (want != got) {
                    long lost = want & ~got;
                    if (lost != 0 && firstMissing < 0) {
                        firstMissing = (long) w * 64 + Long.numberOfTrailingZeros(lost);
                    }
                    missing += Long.bitCount(lost);
                    extra += Long.bitCount(got & ~want);
                }
            }
            boolean exact = missing == 0 && extra == 0;
            if (!exact) {
                log.problem(cow + ": vm " + vm.vm + " COW bitmap has " + bm.cardinality() + " sectors, the model "
                        + vm.plan.model.sectors() + " (" + missing + " written but not set"
                        + (firstMissing >= 0 ? ", first at sector " + firstMissing : "") + "; " + extra + " set but never written)");
            }
            return new BitmapResult(exact, usage);
        } catch (IOException e) {
            throw new UbdException(cow + ": " + e.getMessage(), e);
        }
    }

    /**
     * Merges the COW file into a new image with {@link CowMerger#mergeInto} and compares every
     * sector of it with the model; deletes the image. Only the data extents of the image and of
     * the backing file are read: elsewhere both are holes, and the model's written sectors are
     * checked to lie in the image's data.
     *
     * @return whether the image matched
     */
    boolean merge(VmSchedule vm, Path cow, Path backingPath) {
        ReplayPlan plan = vm.plan;
        Path out = cow.resolveSibling(cow.getFileName() + ".merge-check");
        try {
            CowMerger.mergeInto(cow, null, out, p -> { });
            try (FileChannel merged = FileChannel.open(out, StandardOpenOption.READ);
                 FileChannel backing = FileChannel.open(backingPath, StandardOpenOption.READ)) {
                long[] data = extents(merged, plan.deviceSectors);
                long[] union = union(data, extents(backing, plan.deviceSectors));
                long bad = 0;
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                for (int i = 0; i < union.length; i += 2) {
                    for (long s = union[i]; s < union[i + 1]; ) {
                        int n = (int) Math.min(union[i + 1] - s, buf.capacity() / SECTOR);
                        readFully(merged, buf, s, n);
                        for (int j = 0; j < n; j++) {
                            long device = s + j;
                            int source = vm.finalSource(device);
                            if (!verifier.matches(buf, j * SECTOR, vm.vm, source, device) && bad++ < 3) {
                                log.problem(out + ": vm " + vm.vm + " merged sector " + device + " is not "
                                        + verifier.describeSource(vm.vm, source));
                            }
                        }
                        s += n;
                    }
                }
                    for (Long2IntMap.Entry e : plan.model.view().long2IntEntrySet()) {
                    long device = vm.device(e.getLongKey());
                    if (SectorModel.isWrite(e.getIntValue()) && !inside(data, device) && bad++ < 3) {
                        log.problem(out + ": vm " + vm.vm + " merged sector " + device + " is a hole, expected request " + e.getIntValue());
                    }
                }
                if (bad > 0) {
                    log.problem(out + ": vm " + vm.vm + " merge differs from the model in " + bad + " sectors");
                }
                return bad == 0;
            }
        } catch (IOException e) {
            throw new UbdException(out + ": merge check failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // a temp file left next to the COW is a nuisance, not a failed check
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long sector, int n) throws IOException {
        buf.clear().limit(n * SECTOR);
        Buffers.readOrZeros(ch, buf, sector * SECTOR);
        buf.flip();
    }

    /** Data extents as sorted [start, end) sector pairs, widened to whole sectors. */
    private static long[] extents(FileChannel ch, long deviceSectors) throws IOException {
        LongArrayList out = new LongArrayList();
        DataMap.of(ch).forEachRun(0, Math.min(ch.size(), deviceSectors * SECTOR), (from, to, data) -> {
            if (data) {
                out.add(from / SECTOR);
                out.add((to + SECTOR - 1) / SECTOR);
            }
        });
        return out.toLongArray();
    }

    private static long[] union(long[] a, long[] b) {
        long[] all = new long[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Integer[] order = new Integer[all.length / 2];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Long.compare(all[2 * x], all[2 * y]));
        LongArrayList out = new LongArrayList();
        for (int i : order) {
            long s = all[2 * i];
            long e = all[2 * i + 1];
            int n = out.size();
            if (n > 0 && s <= out.getLong(n - 1)) {
                out.set(n - 1, Math.max(out.getLong(n - 1), e));
            } else {
                out.add(s);
                out.add(e);
            }
        }
        return out.toLongArray();
    }

    private static boolean inside(long[] extents, long sector) {
        int lo = 0;
        int hi = extents.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sector < extents[2 * mid]) {
                hi = mid - 1;
            } else if (sector >= extents[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }
}
