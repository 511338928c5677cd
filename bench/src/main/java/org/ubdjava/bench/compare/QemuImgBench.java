package org.ubdjava.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ubdjava.realtools.Processes;

/**
 * qcow2 overlays over the same backing file, through {@code qemu-img bench} (qemu-utils). The
 * tool has no random mode: "random" 4 KiB requests are strided (step 1 MiB + 4 KiB, wrapping over
 * the image), which defeats read-ahead the same way. It reports only the total time: no latency
 * percentiles.
 */
final class QemuImgBench {
    private static final Pattern DONE = Pattern.compile("Run completed in ([0-9.]+) seconds");
    private final Path qemuImg;
    private final Path dir;
    private final Path backing;

    QemuImgBench(Path qemuImg, Path dir, Path backing) {
        this.qemuImg = qemuImg;
        this.dir = dir;
        this.backing = backing;
    }

    /** @param count requests; picked so a run lasts about a second on these machines */
    Measurement run(Workload w, int depth, int count) throws IOException {
        Path overlay = dir.resolve("overlay-" + w.id + "-" + depth + ".qcow2");
        Files.deleteIfExists(overlay);
        Processes.Result c = Processes.run(dir, List.of(qemuImg.toString(), "create", "-q", "-f", "qcow2", "-b",
                backing.toString(), "-F", "raw", overlay.toString()), 60);
        if (c.exit() != 0) {
            throw new IOException("qemu-img create failed: " + c.both().strip());
        }
        try {
            return bench(BenchSystem.QCOW2, "qcow2", overlay.toString(), w, depth, count);
        } finally {
            Files.deleteIfExists(overlay);
        }
    }

    /**
     * The same qemu-img bench run against any image qemu opens, e.g. an NBD URI: the tool is the
     * same on both sides, so the qcow2 and NBD rows compare like with like.
     */
    Measurement bench(BenchSystem system, String format, String target, Workload w, int depth, int count) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(qemuImg.toString(), "bench", "-f", format, "-c", Integer.toString(count),
                "-d", Integer.toString(depth), "-s", Integer.toString(w.blockSize)));
        if (!w.sequential) {
            cmd.addAll(List.of("-S", Integer.toString((1 << 20) + 4096)));
        }
        if (w.write) {
            cmd.add("-w");
        }
        cmd.add(target);
        Processes.Result r = Processes.run(dir, cmd, 300);
        Matcher m = DONE.matcher(r.both());
        if (r.exit() != 0 || !m.find()) {
            throw new IOException("qemu-img bench failed: " + r.both().strip());
        }
        double seconds = Double.parseDouble(m.group(1));
        return new Measurement(system, w, 1, depth, count, (long) count * w.blockSize, seconds, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, w.sequential ? "qemu-img bench" : "qemu-img bench, strided (no random mode)");
    }
}
