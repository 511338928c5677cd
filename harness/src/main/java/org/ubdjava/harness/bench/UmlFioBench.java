package org.ubdjava.harness.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ubdjava.core.process.UmlKernel;

/**
 * The real driver: one boot of the UML kernel (Debian's linux.uml) with three COW devices over
 * the backing file, running fio (psync, O_DIRECT, depth 1, warm host cache) on each workload in
 * turn. At depth 32 the real driver gets slower, not faster (measured with fio in the guest), so depth 1 is its best.
 */
final class UmlFioBench {
    private static final Pattern JOB = Pattern.compile("\"jobname\" : \"([a-z0-9-]+)\"");
    private final UmlKernel kernel;
    private final Path fio;

    UmlFioBench(UmlKernel kernel, Path fio) {
        this.kernel = kernel;
        this.fio = fio;
    }

    /**
     * @param cowHalf   a COW file over the backing holding half the blocks (ubda)
     * @param cowEmpty1 a new COW file, for reads (ubdb)
     * @param cowEmpty2 a new COW file, for writes (ubdc)
     */
    List<Measurement> run(Path backing, Path cowHalf, Path cowEmpty1, Path cowEmpty2, List<Workload> workloads, int seconds) {
        StringBuilder script = new StringBuilder();
        for (Workload w : workloads) {
            String dev = switch (w) {
                case RAND_READ_HALF -> "/dev/ubda";
                case RAND_READ_EMPTY, SEQ_READ -> "/dev/ubdb";
                default -> "/dev/ubdc";
            };
            String rw = (w.sequential ? "" : "rand") + (w.write ? "write" : "read");
            script.append(fio).append(" --name=").append(w.id).append(" --filename=").append(dev)
                    .append(" --rw=").append(rw).append(" --bs=").append(w.blockSize)
                    .append(" --direct=1 --ioengine=psync --iodepth=1 --invalidate=0 --time_based --runtime=").append(seconds)
                    .append(" --output-format=json\n");
        }
        UmlKernel.Result r = kernel.run(script.toString(), List.of("ubd0=" + cowHalf + "," + backing,
                "ubd1=" + cowEmpty1 + "," + backing, "ubd2=" + cowEmpty2 + "," + backing), 60 + workloads.size() * (seconds + 10), "512M");
        List<Measurement> out = new ArrayList<>();
        String text = r.out();
        for (Workload w : workloads) {
            int at = text.indexOf("\"jobname\" : \"" + w.id + "\"");
            if (at < 0) {
                continue;
            }
            Matcher next = JOB.matcher(text);
            int end = next.find(at + 10) ? next.start() : text.length();
            String job = text.substring(at, end);
            String dir = w.write ? "\"write\" : {" : "\"read\" : {";
            int s = job.indexOf(dir);
            String part = job.substring(s);
            double iops = number(part, "\"iops\" : ([0-9.]+)");
            double bw = number(part, "\"bw_bytes\" : ([0-9.]+)");
            int clat = part.indexOf("\"clat_ns\"");
            double p50 = number(part.substring(clat), "\"50.000000\" : ([0-9]+)") / 1e3;
            double p99 = number(part.substring(clat), "\"99.000000\" : ([0-9]+)") / 1e3;
            out.add(new Measurement(BenchSystem.UML, w, 1, 1, (long) (iops * seconds), (long) (bw * seconds), seconds, p50, p99,
                    Double.NaN, Double.NaN, "real UML ubd, fio psync in the guest"));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("fio in the guest printed no result (exit " + r.exit() + "): "
                    + text.substring(0, Math.min(400, text.length())).replace('\n', ' '));
        }
        return out;
    }

    private static double number(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
