package org.ubdjava.harness.shard;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;
import org.ubdjava.harness.replay.HtmlReport;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.report.Json;

/**
 * The layout of a shard's result directory ({@code ubd replay --shard K/N --out DIR}):
 * <ul>
 * <li>{@value #RECORD}: the {@link ShardRecord}, written when the shard is ready and again when it
 *     has ended (each time whole: written aside, then renamed over);</li>
 * <li>{@value HtmlReport#REPORT_JSON}: the replay's own report, and its HTML and charts beside it;</li>
 * <li>{@value #LATENCY_LOG}: the device latency, in nanoseconds, in HdrHistogram's log format: one
 *     untagged interval of every request, then one tagged {@code trace-I} for each trace I's VMs,
 *     over the shard's I/O window, so a merge adds histograms and never averages percentiles.</li>
 * </ul>
 * The shard writes the log and the report before its record's end, so an ended record vouches
 * for both.
 */
public final class ShardFiles {
    public static final String RECORD = "shard.json";
    public static final String LATENCY_LOG = "latency.hlog";
    /** The tag of trace I's interval: {@code trace-I}. */
    static final String TRACE_TAG = "trace-";
    private static final Pattern TRACE = Pattern.compile(TRACE_TAG + "(\\d+)");
    /** The log's maximum column in milliseconds (its values are nanoseconds). */
    private static final double NANOS_PER_MS = 1e6;

    private ShardFiles() {
    }

    /** The latency histograms of one shard: every request, and each trace's VMs' (indexed by trace). */
    public record Latencies(Histogram all, List<Histogram> perTrace) {
    }

    /** Writes {@code record} to {@code dir} as a whole file in one rename. */
    public static void writeRecord(Path dir, ShardRecord record) throws IOException {
        writeWhole(dir.resolve(RECORD), out -> out.write((Json.write(record) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    public static ShardRecord readRecord(Path dir) throws IOException {
        return Json.mapper().readValue(dir.resolve(RECORD).toFile(), ShardRecord.class);
    }

    public static ReplayResult readReport(Path dir) throws IOException {
        return Json.mapper().readValue(dir.resolve(HtmlReport.REPORT_JSON).toFile(), ReplayResult.class);
    }

    /** Writes a shard's latency log: {@code all} untagged, then {@code perTrace} tagged, over {@code [startMs, endMs]}. */
    public static void writeLatency(Path dir, String comment, Histogram all, Histogram[] perTrace, long startMs, long endMs)
            throws IOException {
        writeWhole(dir.resolve(LATENCY_LOG), out -> {
            PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
            HistogramLogWriter w = new HistogramLogWriter(ps);
            w.outputComment(comment);
            w.outputLogFormatVersion();
            w.outputStartTime(startMs);
            w.setBaseTime(startMs);
            w.outputLegend();
            // the interval's times in seconds from the start: the one window of the shard's I/O
            double seconds = Math.max(0, endMs - startMs) / 1000.0;
            w.outputIntervalHistogram(0, seconds, tagged(all, null), NANOS_PER_MS);
            for (int t = 0; t < perTrace.length; t++) {
                w.outputIntervalHistogram(0, seconds, tagged(perTrace[t], TRACE_TAG + t), NANOS_PER_MS);
            }
            ps.flush();
            if (ps.checkError()) {
                throw new IOException(dir.resolve(LATENCY_LOG) + ": write failed");
            }
        });
    }

    private static Histogram tagged(Histogram h, String tag) {
        Histogram c = h.copy();
        c.setTag(tag);
        return c;
    }

    /** Reads a latency log {@link #writeLatency} wrote; {@code traces} intervals of traces are expected. */
    public static Latencies readLatency(Path dir, int traces) throws IOException {
        Path log = dir.resolve(LATENCY_LOG);
        Histogram all = null;
        Histogram[] perTrace = new Histogram[traces];
        HistogramLogReader reader = new HistogramLogReader(log.toFile());
        try {
            for (EncodableHistogram e; (e = reader.nextIntervalHistogram()) != null; ) {
                if (!(e instanceof Histogram h)) {
                    throw new IOException(log + ": an interval of floating-point values; this log holds nanoseconds");
                }
                if (h.getTag() == null) {
                    all = h;
                    continue;
                }
                Matcher m = TRACE.matcher(h.getTag());
                int t = m.matches() ? Integer.parseInt(m.group(1)) : -1;
                if (t < 0 || t >= traces || perTrace[t] != null) {
                    throw new IOException(log + ": unexpected interval tagged " + h.getTag() + " (the run has " + traces + " traces)");
                }
                perTrace[t] = h;
            }
        } finally {
            reader.close();
        }
        if (all == null) {
            throw new IOException(log + ": no untagged interval (every request's latency)");
        }
        List<Histogram> list = new ArrayList<>();
        for (int t = 0; t < traces; t++) {
            if (perTrace[t] == null) {
                throw new IOException(log + ": no interval tagged " + TRACE_TAG + t);
            }
            list.add(perTrace[t]);
        }
        return new Latencies(all, list);
    }

    /** What a writer puts into the file. */
    @FunctionalInterface
    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code file} aside and renames it over: a reader (the merge, on another host of a
     * shared file system) sees the old file or the new one whole, never half of one.
     */
    private static void writeWhole(Path file, Writer writer) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writer.write(out);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
