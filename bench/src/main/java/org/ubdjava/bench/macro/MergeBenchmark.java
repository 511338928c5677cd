package org.ubdjava.bench.macro;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.ubdjava.bench.BenchFiles;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * {@code ubd moo} against {@code uml_moo} on the same files in the same run: a backing file of
 * SIZE bytes (random data, a fifth of it holes) and a COW file holding FRACTION of its sectors in
 * scattered 4 KiB writes. Both run warm, alternately, ROUNDS times; the medians and their ratio
 * are printed, and each output is checked identical (bytes and holes) to uml_moo's.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar org.ubdjava.bench.macro.MergeBenchmark [DIR] [SIZE_MIB] [FRACTION] [ROUNDS]}
 */
public final class MergeBenchmark {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/ubd-merge-bench");
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 1024) << 20;
        double fraction = args.length > 2 ? Double.parseDouble(args[2]) : 0.10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Files.createDirectories(dir);
        Path back = dir.resolve("back.img");
        Path cow = dir.resolve("cow.img");
        System.out.printf(Locale.ROOT, "making a %d MiB backing file and a COW file holding %.0f%% of its sectors...%n",
                size >> 20, fraction * 100);
        makeBacking(back, size);
        Files.deleteIfExists(cow);
        CowCreator.create(cow, back.toString(), false);
        long written = BenchFiles.fill(cow, fraction);

        String umlMoo = which("uml_moo");
        List<Double> ours = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        List<Double> copy = new ArrayList<>();
        Path outCopy = dir.resolve("copy.img");
        Path outOurs = dir.resolve("ours.img");
        Path outTheirs = dir.resolve("theirs.img");
        for (int r = 0; r < rounds; r++) {
            if (umlMoo != null) {
                Files.deleteIfExists(outTheirs);
                sync();
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(umlMoo, cow.toString(), outTheirs.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("uml_moo failed: " + p.exitValue());
                }
                theirs.add((System.nanoTime() - t0) / 1e9);
            }
            Files.deleteIfExists(outCopy);
            sync();
            long c0 = System.nanoTime();
            if (new ProcessBuilder("cp", "--sparse=auto", back.toString(), outCopy.toString()).inheritIO().start().waitFor() != 0) {
                throw new IllegalStateException("cp failed");
            }
            copy.add((System.nanoTime() - c0) / 1e9);
            Files.deleteIfExists(outOurs);
            sync();
            long t0 = System.nanoTime();
            CowMerger.mergeInto(cow, null, outOurs, x -> { });
            ours.add((System.nanoTime() - t0) / 1e9);
        }
        String verdict = "uml_moo not installed: no comparison";
        if (umlMoo != null) {
            verdict = sameBytes(outOurs, outTheirs) && extents(outOurs).equals(extents(outTheirs))
                    ? "identical to uml_moo's (bytes and holes)" : "DIFFERENT from uml_moo's";
        }
        double mo = median(ours);
        System.out.printf(Locale.ROOT, "backing %d MiB, COW sectors %d (%.1f%%)%n", size >> 20, written, 100.0 * written / (size / 512));
        System.out.printf(Locale.ROOT, "ubd moo  median %.3f s  runs %s%n", mo, ours);
        if (!theirs.isEmpty()) {
            double mt = median(theirs);
            System.out.printf(Locale.ROOT, "uml_moo  median %.3f s  runs %s%n", mt, theirs);
            System.out.printf(Locale.ROOT, "speed-up: %.1fx (uml_moo time / ubd moo time, same run)%n", mt / mo);
        }
        System.out.printf(Locale.ROOT, "cp       median %.3f s  runs %s  (copying the backing file alone: the floor)%n", median(copy), copy);
        System.out.printf(Locale.ROOT, "ubd moo takes %.2fx the time of cp%n", mo / median(copy));
        System.out.println("output: " + verdict);
        Files.deleteIfExists(outCopy);
    }

    static void makeBacking(Path back, long size) throws IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < size; pos += chunk.capacity()) {
                if (rnd.nextInt(5) == 0) {
                    continue; // a hole, as a file system image has
                }
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(rnd.nextLong());
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, pos + chunk.position());
                }
            }
            ch.truncate(size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
    }

    /** Each timed run starts with no dirty pages left by the one before. */
    static void sync() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    static boolean sameBytes(Path a, Path b) throws IOException {
        if (Files.size(a) != Files.size(b)) {
            return false;
        }
        return Files.mismatch(a, b) < 0;
    }

    static String extents(Path p) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (FileChannel ch = FileChannel.open(p)) {
            for (long pos = 0; ; ) {
                long d = NativeFiles.nextData(ch, pos);
                if (d < 0) {
                    break;
                }
                long h = NativeFiles.nextHole(ch, d);
                sb.append(d).append('-').append(h).append(' ');
                if (h >= ch.size()) {
                    break;
                }
                pos = h;
            }
        }
        return sb.toString();
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    static String which(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
