package org.ubdjava.bench.macro;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.ubdjava.bench.BenchFiles;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.rebase.ImageCompare;
import org.ubdjava.realtools.Processes;

/**
 * Issue 26's speed figures, side by side in one run, each a whole process timed from start to exit:
 *
 * <ol>
 * <li>{@code ubd rebase --safe COW NEW} against {@code qemu-img rebase -b NEW} (no -u: qemu's safe
 *     mode) of a qcow2 overlay holding the same writes, over the same raw backing files: OLD of
 *     SIZE bytes (random data, a fifth of it holes), NEW a copy with CHANGED of its sectors changed
 *     (as PATTERN says) and another mtime. Each overlay holds WRITTEN of the device in
 *     scattered 4-64 KiB guest writes (the same offsets, lengths and bytes in both).</li>
 * <li>Eight such COW files (each its own writes) onto NEW in one command against eight single
 *     rebases, one after the other.</li>
 * </ol>
 *
 * Each comparison runs PAIRS times, the two sides alternating which goes first; every run works on
 * fresh copies of the overlays (copied, then {@code sync}, before the clock), with both backing
 * files in the page cache. The medians, each run, and the ratios are printed. Before the clock, the
 * two overlays are checked to show the same device; after the first pair, the two rebased ones too.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar org.ubdjava.bench.macro.RebaseBenchmark
 * [DIR] [UBD] [SIZE_MIB] [CHANGED] [WRITTEN] [PAIRS] [PATTERN] [PARTS]}, UBD the launcher (default
 * bin/ubd). PATTERN is how NEW's changes lie: {@code sectors} (the default, a worst case) runs of 1
 * to 16 sectors at any sector; {@code blocks} runs of 1 to 16 whole 4 KiB blocks at 4 KiB-aligned
 * offsets, as a file system rewrites files' blocks when a base image is upgraded; {@code ext4} an
 * ext4 image whose files debugfs replaces (needs mke2fs and debugfs). PARTS the
 * comparisons to run, of 1, 2 and 3 above (default {@code 123}).
 */
public final class RebaseBenchmark {
    static final int COWS = 8;
    /** A file system's block: the unit the {@code blocks} pattern changes. */
    static final int BLOCK = 4096;

    /** How NEW's changed sectors lie. */
    enum Pattern {
        /** Runs of 1 to 16 sectors starting at any sector: every run's ends split 4 KiB pages (a worst case). */
        SECTORS,
        /** Runs of 1 to 16 whole 4 KiB blocks, 4 KiB-aligned: files' blocks rewritten by a file system. */
        BLOCKS,
        /**
         * A real file system's: OLD an ext4 image (mke2fs -d of generated files), NEW a copy where
         * debugfs replaced files with new contents (as a package upgrade does: new blocks, new
         * inodes, bitmaps and directories; the old blocks freed, not rewritten).
         */
        EXT4
    }

    private final Path dir;
    private final String ubd;
    private final long size;
    private final double changed;
    private final double written;
    private final Pattern pattern;
    private final Path old;
    private final Path neu;

    private RebaseBenchmark(Path dir, String ubd, long size, double changed, double written, Pattern pattern) {
        this.dir = dir;
        this.pattern = pattern;
        this.ubd = ubd;
        this.size = size;
        this.changed = changed;
        this.written = written;
        this.old = dir.resolve("old.img");
        this.neu = dir.resolve("new.img");
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/ubd-rebase-bench");
        String ubd = args.length > 1 ? args[1] : "bin/ubd";
        long size = (args.length > 2 ? Long.parseLong(args[2]) : 1024) << 20;
        double changed = args.length > 3 ? Double.parseDouble(args[3]) : 0.10;
        double written = args.length > 4 ? Double.parseDouble(args[4]) : 0.05;
        int pairs = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        Pattern pattern = Pattern.valueOf((args.length > 6 ? args[6] : "sectors").toUpperCase(Locale.ROOT));
        String parts = args.length > 7 ? args[7] : "123";
        Files.createDirectories(dir);
        new RebaseBenchmark(dir, ubd, size, changed, written, pattern).run(pairs, parts);
    }

    private void run(int pairs, String parts) throws Exception {
        System.out.printf(Locale.ROOT, "making OLD (%d MiB), NEW (%.0f%% of its sectors changed, pattern %s), %d COW files and a qcow2 overlay "
                + "(each %.0f%% of the device written)...%n", size >> 20, changed * 100, pattern.name().toLowerCase(Locale.ROOT), COWS,
                written * 100);
        long changedSectors;
        if (pattern == Pattern.EXT4) {
            changedSectors = upgradedFileSystem(changed, new SplittableRandom(26));
        } else {
            MergeBenchmark.makeBacking(old, size);
            Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000 - 86_400_000));
            changedSectors = changedCopy(old, neu, changed, new SplittableRandom(26));
        }
        List<Path> templates = new ArrayList<>();
        List<List<long[]>> writes = new ArrayList<>();
        for (int k = 0; k < COWS; k++) {
            Path t = dir.resolve("vm" + k + ".cow.tmpl");
            Files.deleteIfExists(t);
            CowCreator.create(t, old.toString(), false);
            List<long[]> w = guestWrites(new SplittableRandom(100 + k));
            writeCow(t, w);
            templates.add(t);
            writes.add(w);
        }
        Path qcowTemplate = dir.resolve("vm0.qcow2.tmpl");
        if (parts.contains("1")) {
            // only the first comparison runs qemu-img: the overlay is made, and checked, for it alone
            makeQcow2(qcowTemplate, writes.get(0));
            sameDevice(templates.get(0), qcowTemplate, "before the rebase");
        }
        System.out.printf(Locale.ROOT, "NEW differs from OLD in %d sectors (%.1f%%); each overlay holds %.1f%% of the device%n",
                changedSectors, 100.0 * changedSectors / (size / SECTOR), 100.0 * held(templates.get(0)) / (size / SECTOR));
        BenchFiles.warm(old);
        BenchFiles.warm(neu);

        if (parts.contains("1")) {
            single(pairs, templates, qcowTemplate);
        }
        if (parts.contains("2")) {
            eight(pairs, templates);
        }
        if (parts.contains("3")) {
            bounds(pairs, templates);
        }
    }

    /** 1. one overlay: ubd rebase --safe against qemu-img rebase. */
    private void single(int pairs, List<Path> templates, Path qcowTemplate) throws Exception {
        List<Double> ours = new ArrayList<>();
        List<Double> qemu = new ArrayList<>();
        Path cow = dir.resolve("vm0.cow");
        Path qcow = dir.resolve("vm0.qcow2");
        for (int p = 0; p < pairs; p++) {
            for (int side = 0; side < 2; side++) {
                if ((side == 0) == (p % 2 == 0)) {
                    fresh(templates.get(0), cow);
                    ours.add(time(List.of(ubd, "rebase", "--safe", cow.toString(), neu.toString())));
                } else {
                    fresh(qcowTemplate, qcow);
                    qemu.add(time(List.of("qemu-img", "rebase", "-f", "qcow2", "-F", "raw", "-b", neu.toString(), qcow.toString())));
                }
            }
            if (p == 0) {
                sameDevice(cow, qcow, "after the rebase");
            }
        }
        System.out.printf(Locale.ROOT, "%nubd rebase --safe (1 COW file)   median %.3f s  runs %s%n", median(ours), fmt(ours));
        System.out.printf(Locale.ROOT, "qemu-img rebase (qcow2 overlay)  median %.3f s  runs %s%n", median(qemu), fmt(qemu));
        System.out.printf(Locale.ROOT, "speed: %.2fx qemu-img's (its median time / ours); pairwise %s%n", median(qemu) / median(ours),
                ratios(qemu, ours));

    }

    private List<Path> work() {
        List<Path> work = new ArrayList<>();
        for (int k = 0; k < COWS; k++) {
            work.add(dir.resolve("vm" + k + ".cow"));
        }
        return work;
    }

    /** 2. eight COW files: one command against eight single rebases. */
    private void eight(int pairs, List<Path> templates) throws Exception {
        List<Path> work = work();
        List<Double> together = new ArrayList<>();
        List<Double> singles = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            for (int side = 0; side < 2; side++) {
                for (int k = 0; k < COWS; k++) {
                    fresh(templates.get(k), work.get(k));
                }
                if ((side == 0) == (p % 2 == 0)) {
                    List<String> cmd = new ArrayList<>(List.of(ubd, "rebase", "--safe"));
                    work.forEach(w -> cmd.add(w.toString()));
                    cmd.add(neu.toString());
                    together.add(time(cmd));
                } else {
                    double t = 0;
                    for (Path w : work) {
                        t += time(List.of(ubd, "rebase", "--safe", w.toString(), neu.toString()));
                    }
                    singles.add(t);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%n8 COW files in one command       median %.3f s  runs %s%n", median(together), fmt(together));
        System.out.printf(Locale.ROOT, "8 single rebases, one after another median %.3f s  runs %s%n", median(singles), fmt(singles));
        System.out.printf(Locale.ROOT, "one command takes %.2fx the time of eight singles; pairwise %s%n", median(together) / median(singles),
                ratios(together, singles));

    }

    /** 3. where the time goes: a JVM's start, the compare alone, and the copies alone (no compare, no JVM). */
    private void bounds(int pairs, List<Path> templates) throws Exception {
        List<Path> work = work();
        List<Double> start = new ArrayList<>();
        List<Double> compare = new ArrayList<>();
        List<Double> copies = new ArrayList<>();
        List<ImageCompare.Range> differing = ImageCompare.compare(old, neu).differing();
        for (int p = 0; p < pairs; p++) {
            start.add(time(List.of(ubd, "--version")));
            compare.add(time(List.of(ubd, "compare", old.toString(), neu.toString()), 1));
            for (int k = 0; k < COWS; k++) {
                fresh(templates.get(k), work.get(k));
            }
            copies.add(copiesAlone(work, differing));
        }
        double j = median(start);
        double c = median(compare) - j;
        double w = median(copies);
        System.out.printf(Locale.ROOT, "%na JVM's start (ubd --version)      median %.3f s  runs %s%n", j, fmt(start));
        System.out.printf(Locale.ROOT, "ubd compare OLD NEW (one process)  median %.3f s  runs %s%n", median(compare), fmt(compare));
        System.out.printf(Locale.ROOT, "the 8 files' copies alone, in one process, 8 threads: pwrite each differing unheld run, fdatasync; "
                + "median %.3f s  runs %s%n", w, fmt(copies));
        System.out.printf(Locale.ROOT, "so one command >= start + max(compare, copies) = %.2f s, eight singles about 8 x (start + compare) "
                + "+ copies = %.2f s: a ratio of at least %.2f here%n", j + Math.max(c, w), 8 * (j + c) + w, (j + Math.max(c, w)) / (8 * (j + c) + w));
    }

    /** The copies a safe rebase makes, without the walk: each file's differing, unheld runs from OLD, then its data sync. */
    private double copiesAlone(List<Path> cows, List<ImageCompare.Range> differing) throws Exception {
        List<java.util.concurrent.Callable<Void>> jobs = new ArrayList<>();
        for (Path cow : cows) {
            jobs.add(() -> {
                CowGeometry g;
                CowBitmap held;
                try (CowFile f = CowFile.open(cow)) {
                    g = f.geometry();
                    held = f.bitmap();
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                try (FileChannel from = FileChannel.open(old); FileChannel to = FileChannel.open(cow, StandardOpenOption.WRITE)) {
                    for (ImageCompare.Range r : differing) {
                        long s0 = r.offset() / SECTOR;
                        long s1 = r.end() / SECTOR;
                        for (long s = held.nextClear(s0, s1); s < s1; s = held.nextClear(s, s1)) {
                            // at most a buffer at a time: a differing range may be longer
                            long e = Math.min(held.nextSet(s, s1), s + buf.capacity() / SECTOR);
                            int n = (int) ((e - s) * SECTOR);
                            buf.clear().limit(n);
                            Buffers.readOrZeros(from, buf, s * SECTOR);
                            buf.flip();
                            long at = g.dataOffsetOf(s);
                            long data = NativeFiles.nextData(to, at);
                            // zeros over a hole need no write (the bit alone reads them), as the rebase does
                            if (!Buffers.isZero(buf, 0, n) || data >= 0 && data < at + n) {
                                write(to, buf, at);
                            }
                            s = e;
                        }
                    }
                    to.force(false);
                }
                return null;
            });
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(COWS);
        try {
            long t0 = System.nanoTime();
            for (java.util.concurrent.Future<Void> f : pool.invokeAll(jobs)) {
                f.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    /** Scattered guest writes, 4 KiB-aligned, 4-64 KiB long, until {@code written} of the device: {offset, length, pattern}. */
    private List<long[]> guestWrites(SplittableRandom rnd) {
        List<long[]> out = new ArrayList<>();
        long target = (long) (size * written);
        long total = 0;
        while (total < target) {
            long len = 4096L * (1 + rnd.nextInt(16));
            long off = rnd.nextLong((size - len) / 4096) * 4096;
            out.add(new long[] {off, len, 1 + rnd.nextInt(255)});
            total += len;
        }
        return out;
    }

    /** The writes into a COW file the driver's way: the data, then the bitmap. */
    private static void writeCow(Path cow, List<long[]> writes) throws IOException {
        CowGeometry g;
        CowBitmap bm;
        try (CowFile f = CowFile.open(cow)) {
            g = f.geometry();
            bm = new CowBitmap(g.sectors(), g.bitmapLength());
        }
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            for (long[] w : writes) {
                byte[] b = new byte[(int) w[1]];
                java.util.Arrays.fill(b, (byte) w[2]);
                write(ch, ByteBuffer.wrap(b), g.dataOffset() + w[0]);
                bm.setRange(w[0] / SECTOR, (w[0] + w[1]) / SECTOR);
            }
            write(ch, ByteBuffer.wrap(bm.toBytes()), g.bitmapOffset());
        }
    }

    /** The same writes into a qcow2 overlay of OLD, through qemu-io (its commands on stdin). */
    private void makeQcow2(Path qcow, List<long[]> writes) throws IOException, InterruptedException {
        Files.deleteIfExists(qcow);
        check(Processes.run(dir, List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", old.toString(), "-F", "raw", qcow.toString()), 600),
                "qemu-img create");
        StringBuilder cmds = new StringBuilder();
        for (long[] w : writes) {
            cmds.append(String.format(Locale.ROOT, "write -q -P %d %d %d%n", w[2], w[0], w[1]));
        }
        Path script = Files.writeString(dir.resolve("qemu-io.cmds"), cmds.toString(), StandardCharsets.US_ASCII);
        Process p = new ProcessBuilder("qemu-io", "-f", "qcow2", qcow.toString()).redirectInput(script.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IOException("qemu-io failed: exit " + p.exitValue());
        }
        Files.delete(script);
    }

    /** The COW file's device (merged by ubd moo) and the qcow2 overlay's (qemu-img compare) are the same bytes. */
    private void sameDevice(Path cow, Path qcow, String when) throws IOException, InterruptedException {
        Path merged = dir.resolve("merged.raw");
        Files.deleteIfExists(merged);
        check(Processes.run(dir, List.of(ubd, "moo", cow.toString(), merged.toString()), 600), "ubd moo");
        Processes.Result c = Processes.run(dir, List.of("qemu-img", "compare", "-f", "raw", "-F", "qcow2", merged.toString(),
                qcow.toString()), 600);
        Files.delete(merged);
        if (c.exit() != 0) {
            throw new IllegalStateException("the COW file and the qcow2 overlay show different devices " + when + ": " + c.both().strip());
        }
        System.out.println("the COW file and the qcow2 overlay show the same device " + when + " (qemu-img compare)");
    }

    /**
     * A copy of {@code src} with about {@code fraction} of its sectors overwritten with random
     * bytes, in runs of 1 to 16 sectors or of 1 to 16 aligned blocks (as {@link #pattern} says),
     * and another mtime. Returns the sectors changed.
     */
    private long changedCopy(Path src, Path dst, double fraction, SplittableRandom rnd) throws IOException, InterruptedException {
        Files.deleteIfExists(dst);
        check(Processes.run(dir, List.of("cp", "--sparse=always", src.toString(), dst.toString()), 600), "cp");
        long sectors = size / SECTOR;
        boolean[] hit = new boolean[(int) sectors];
        long target = (long) (sectors * fraction);
        long n = 0;
        try (FileChannel ch = FileChannel.open(dst, StandardOpenOption.WRITE)) {
            int perBlock = BLOCK / SECTOR;
            while (n < target) {
                int run;
                long s;
                if (pattern == Pattern.BLOCKS) {
                    run = (1 + rnd.nextInt(16)) * perBlock;
                    s = rnd.nextLong((sectors - run) / perBlock) * perBlock;
                } else {
                    run = 1 + rnd.nextInt(16);
                    s = rnd.nextLong(sectors - run);
                }
                byte[] b = new byte[run * SECTOR];
                rnd.nextBytes(b);
                write(ch, ByteBuffer.wrap(b), s * SECTOR);
                for (int i = 0; i < run; i++) {
                    if (!hit[(int) s + i]) {
                        hit[(int) s + i] = true;
                        n++;
                    }
                }
            }
        }
        Files.setLastModifiedTime(dst, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000));
        return n;
    }

    /**
     * OLD: an ext4 image of {@link #size} bytes made by mke2fs -d from generated files (sizes from
     * 100 bytes to 1 MiB, log-uniform, random bytes) filling a third of it; NEW: a copy in which
     * debugfs replaced randomly chosen files by new contents of the same size until about
     * {@code fraction} of the image's bytes were rewritten, and another mtime. Returns the sectors
     * that differ.
     */
    private long upgradedFileSystem(double fraction, SplittableRandom rnd) throws IOException, InterruptedException {
        Path tree = dir.resolve("tree");
        Path fresh = dir.resolve("fresh");
        check(Processes.run(dir, List.of("rm", "-rf", tree.toString(), fresh.toString()), 600), "rm");
        Files.createDirectories(fresh);
        List<String> files = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        long total = 0;
        for (int d = 0; total < size / 3; d++) {
            Path sub = Files.createDirectories(tree.resolve("d" + d));
            for (int f = 0; f < 64 && total < size / 3; f++) {
                int len = (int) Math.exp(Math.log(100) + rnd.nextDouble() * (Math.log(1 << 20) - Math.log(100)));
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                Files.write(sub.resolve("f" + f), b);
                files.add("d" + d + " f" + f);
                lengths.add(len);
                total += len;
            }
        }
        Files.deleteIfExists(old);
        check(Processes.run(dir, List.of("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree.toString(), old.toString(),
                (size >> 10) + "k"), 600), "mke2fs");
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000 - 86_400_000));
        Files.deleteIfExists(neu);
        check(Processes.run(dir, List.of("cp", "--sparse=always", old.toString(), neu.toString()), 600), "cp");
        // replace files in a random order, each by new bytes of its length, until the fraction is rewritten
        StringBuilder cmds = new StringBuilder();
        long rewritten = 0;
        for (int i = files.size() - 1; i > 0 && rewritten < size * fraction; i--) {
            int j = rnd.nextInt(i + 1);
            String[] f = files.get(j).split(" ");
            int len = lengths.get(j);
            files.set(j, files.get(i));
            lengths.set(j, lengths.get(i));
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            Path src = Files.write(fresh.resolve("n" + i), b);
            cmds.append("cd /").append(f[0]).append('\n').append("rm ").append(f[1]).append('\n')
                    .append("write ").append(src).append(' ').append(f[1]).append('\n');
            rewritten += len;
        }
        Path script = Files.writeString(dir.resolve("debugfs.cmds"), cmds.toString(), StandardCharsets.US_ASCII);
        check(Processes.run(dir, List.of("debugfs", "-w", "-f", script.toString(), neu.toString()), 600), "debugfs");
        check(Processes.run(dir, List.of("rm", "-rf", tree.toString(), fresh.toString(), script.toString()), 600), "rm");
        Files.setLastModifiedTime(neu, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000));
        long differing = 0;
        for (ImageCompare.Range r : ImageCompare.compare(old, neu).differing()) {
            differing += r.length() / SECTOR;
        }
        return differing;
    }

    private static long held(Path cow) throws IOException {
        try (CowFile f = CowFile.open(cow)) {
            return f.bitmap().cardinality();
        }
    }

    /** A fresh copy of a template overlay (holes kept), made durable before the clock. */
    private void fresh(Path template, Path work) throws IOException, InterruptedException {
        Files.deleteIfExists(work);
        check(Processes.run(dir, List.of("cp", "--sparse=always", template.toString(), work.toString()), 600), "cp");
        check(Processes.run(dir, List.of("sync"), 600), "sync");
    }

    private double time(List<String> cmd) throws IOException, InterruptedException {
        return time(cmd, 0);
    }

    /** Seconds {@code cmd} took, start to exit; an exit status above {@code okExit} (compare: 1 is "they differ") fails. */
    private double time(List<String> cmd, int okExit) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int rc = p.waitFor();
        double s = (System.nanoTime() - t0) / 1e9;
        if (rc > okExit) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: exit " + rc);
        }
        return s;
    }

    private static void check(Processes.Result r, String what) {
        if (r.exit() != 0) {
            throw new IllegalStateException(what + " failed: " + r.both().strip());
        }
    }

    private static void write(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b, pos + b.position());
        }
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList().toString();
    }

    private static String ratios(List<Double> a, List<Double> b) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            out.add(String.format(Locale.ROOT, "%.2f", a.get(i) / b.get(i)));
        }
        return out.toString();
    }

    private static double median(List<Double> xs) {
        return MergeBenchmark.median(xs);
    }
}
