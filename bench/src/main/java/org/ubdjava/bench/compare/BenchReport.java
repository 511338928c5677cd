package org.ubdjava.bench.compare;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.ubdjava.harness.report.Json;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.ubdjava.driver.cache.CachePolicy;

/** What `ubd bench` prints and writes: the table, the targets as ratios, JSON, charts. */
public final class BenchReport {
    /** A goal the project holds itself to (bench/README.md), as a ratio of two systems measured in this run: never an absolute figure, which a shared machine cannot keep. */
    record Target(String name, double value, double goal, boolean met, String how) {
    }

    private final BenchPlan plan;
    private final CachePolicy policy;
    private final List<Measurement> measurements;
    private final List<CacheStudy.Result> study;
    private final List<String> skipped;
    private final double seconds;
    private final int guestRounds;
    private final List<Target> targets;

    BenchReport(BenchPlan plan, CachePolicy policy, List<Measurement> measurements, List<CacheStudy.Result> study, List<String> skipped, double seconds,
                int guestRounds) {
        this.plan = plan;
        this.policy = policy;
        this.measurements = measurements;
        this.study = study;
        this.skipped = skipped;
        this.seconds = seconds;
        this.guestRounds = guestRounds;
        this.targets = targets();
    }

    private double iops(BenchSystem system, Workload w, int devices, int depth) {
        return measurements.stream().filter(m -> m.system() == system && m.workload() == w && m.devices() == devices
                && m.depth() == depth).mapToDouble(Measurement::iops).findFirst().orElse(Double.NaN);
    }

    private double best(BenchSystem system, Workload w, Predicate<Measurement> filter) {
        return measurements.stream().filter(m -> m.system() == system && m.workload() == w && filter.test(m))
                .mapToDouble(Measurement::iops).max().orElse(Double.NaN);
    }

    private List<Target> targets() {
        List<Target> t = new ArrayList<>();
        int d = BenchRun.DEPTH;
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_READ_HALF, Workload.RAND_WRITE}) {
            int goal = w.write ? 10 : 20;
            add(t, "driver vs real UML, " + w.id + " depth 1 (both)", iops(BenchSystem.DRIVER, w, 1, 1) / iops(BenchSystem.UML, w, 1, 1), goal,
                    "same depth: fio psync in the guest");
            add(t, "driver vs real UML, " + w.id + " our depth 32", iops(BenchSystem.DRIVER, w, 1, d) / iops(BenchSystem.UML, w, 1, 1), goal,
                    "the real driver is slower at depth 32 than at 1 (fio in the guest), so its depth 1 is its best");
        }
        for (Workload w : new Workload[] {Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            add(t, "driver vs real UML, " + w.id + " (no goal given; MB/s)", iops(BenchSystem.DRIVER, w, 1, 1) / iops(BenchSystem.UML, w, 1, 1), 1, "depth 1 both");
        }
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE}) {
            for (int depth : new int[] {1, d}) {
                add(t, "driver vs qcow2 (qemu-img bench), " + w.id + " depth " + depth, iops(BenchSystem.DRIVER, w, 1, depth) / iops(BenchSystem.QCOW2, w, 1, depth),
                        1, "same depth");
            }
        }
        for (Workload w : new Workload[] {Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            add(t, "driver vs qcow2 (qemu-img bench), " + w.id, iops(BenchSystem.DRIVER, w, 1, 1) / iops(BenchSystem.QCOW2, w, 1, 1), 1, "depth 1");
        }
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE}) {
            for (int depth : new int[] {1, d}) {
                add(t, "driver over NBD vs qemu-nbd (qcow2 overlay), unix socket, " + w.id + " depth " + depth,
                        iops(BenchSystem.DRIVER_NBD, w, 1, depth) / iops(BenchSystem.QEMU_NBD, w, 1, depth), 1,
                        "both served over a unix socket, both driven by the same qemu-img bench");
            }
        }
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE, Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            double ours = iops(BenchSystem.GUEST_VHOST, w, 1, 1);
            // 4 KiB at depth 1 is where a guest waits on every request: there the back-end must be clearly ahead
            double goal = w.sequential ? 1 : 1.2;
            add(t, "UML guest on ubd-java's vhost-user vs on the kernel's ubd, " + w.id, ours / iops(BenchSystem.UML, w, 1, 1), goal,
                    "fio psync in one guest, each back-end in turn, median of " + guestRounds + " rounds");
            add(t, "UML guest on ubd-java's vhost-user vs on qemu-storage-daemon (qcow2), " + w.id,
                    ours / iops(BenchSystem.GUEST_QSD, w, 1, 1), 1, "the same boot");
        }
        double rawReads = iops(BenchSystem.RAW, Workload.RAND_READ_EMPTY, 1, 1);
        add(t, "reads served from the shared cache (cache layer, one thread) vs raw warm reads",
                iops(BenchSystem.CACHE_LAYER, Workload.RAND_READ_EMPTY, 1, 1) / rawReads, 0.8, "CachedBackingDevice hits / one-thread pread loop");
        add(t, "reads through the driver with the shared cache vs raw warm reads",
                best(BenchSystem.DRIVER_CACHE, Workload.RAND_READ_EMPTY, m -> true) / rawReads, 0.8,
                "best of devices/depths; the queue's thread hand-offs cost the same with or without the cache");
        add(t, "driver with the shared cache vs without, 4k-randread-cow-empty x64",
                iops(BenchSystem.DRIVER_CACHE, Workload.RAND_READ_EMPTY, 64, 1) / iops(BenchSystem.DRIVER, Workload.RAND_READ_EMPTY, 64, 1), 1, "same run");
        for (CacheStudy.Result r : study) {
            if (r.vms() != 64) {
                continue;
            }
            double worst = r.matches().stream().mapToDouble(m -> m.memoryRatio() < 0 || Double.isNaN(m.memoryRatio()) ? Double.POSITIVE_INFINITY
                    : m.memoryRatio()).max().orElse(Double.NaN);
            t.add(new Target("64 VMs on the trace, " + r.policy() + ": shared memory / private memory at equal hit ratio (worst size)",
                    worst, 1.0 / 8, worst <= 1.0 / 8, "cache study; lower is better"));
        }
        return t;
    }

    private static void add(List<Target> t, String name, double value, double goal, String how) {
        if (!Double.isNaN(value)) {
            t.add(new Target(name, value, goal, value >= goal, how));
        }
    }

    public void printTable(PrintWriter out) {
        out.printf(Locale.ROOT, "ubd bench%s: %d MiB backing file, shared cache %s %d MiB, %.0f ms per run; ratios are to the raw host file in this run%n",
                plan.quick() ? " --quick" : "", plan.backingBytes() >> 20, policy, plan.cacheBytes() >> 20, (double) plan.measureMillis());
        out.printf(Locale.ROOT, "%-22s %4s %5s %-16s %10s %9s %9s %9s %7s %6s%n", "workload", "devs", "depth", "system", "IOPS", "MB/s",
                "p50 us", "p99 us", "vs raw", "hits");
        String last = "";
        for (Workload w : Workload.values()) {
            for (Measurement m : measurements) {
                if (m.workload() != w) {
                    continue;
                }
                if (!last.equals(m.workload().id) && !last.isEmpty()) {
                    out.println();
                }
                last = m.workload().id;
                out.printf(Locale.ROOT, "%-22s %4d %5d %-16s %10.0f %9.1f %9s %9s %7.2f %6s%n", m.workload().id, m.devices(), m.depth(), m.system(),
                        m.iops(), m.megabytesPerSecond(), num(m.p50Micros()), num(m.p99Micros()), m.ratioToRaw(),
                        Double.isNaN(m.cacheHitRatio()) ? "-" : String.format(Locale.ROOT, "%.3f", m.cacheHitRatio()));
            }
        }
        if (!study.isEmpty()) {
            out.println();
            String trace = plan.trace() == null ? "shipped guest-scan.iolog" : plan.trace().getFileName().toString();
            out.println("cache study (" + trace + (plan.traceLimit() > 0 ? ", first " + plan.traceLimit() + " records" : "")
                    + "; VM i starts at record i x n / VMs; simulated index, 4 KiB pages; shared sizes searched on a "
                    + (plan.studySteps() == 1 ? "doubling" : plan.studySteps() + "-steps-per-doubling") + " ladder):");
            out.println("shared cache memory needed to reach the hit ratio of N private caches");
            out.printf(Locale.ROOT, "%4s %-10s %12s %10s %14s %9s%n", "VMs", "policy", "private total", "hit ratio", "shared needs", "ratio");
            for (CacheStudy.Result r : study) {
                for (CacheStudy.Match m : r.matches()) {
                    out.printf(Locale.ROOT, "%4d %-10s %9d MiB %10.4f %14s %9s%n", r.vms(), r.policy(), m.privateBytes() >> 20, m.privateHitRatio(),
                            m.sharedBytes() < 0 ? "> max" : (m.atMost() ? "<= " : "") + mib(m.sharedBytes()),
                            m.sharedBytes() < 0 ? "-" : m.memoryRatio() >= 1 ? String.format(Locale.ROOT, "%.2fx", m.memoryRatio())
                                    : String.format(Locale.ROOT, "1/%.1f", 1 / m.memoryRatio()));
                }
            }
        }
        out.println();
        out.println("targets (ratios from this run):");
        for (Target t : targets) {
            out.printf(Locale.ROOT, "  %-4s %-95s %8.3f (goal %s %.3f)%n", t.met() ? "MET" : "NOT", t.name(), t.value(),
                    t.name().startsWith("64 VMs") ? "<=" : ">=", t.goal());
        }
        for (String s : skipped) {
            out.println("*** " + s);
        }
        out.printf(Locale.ROOT, "total time %.1f s%n", seconds);
        out.flush();
    }

    private static String mib(long bytes) {
        return bytes >= 10 << 20 ? (bytes >> 20) + " MiB" : bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0)
                : (bytes >> 10) + " KiB";
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The JSON report: these records are its schema. */
    record Report(boolean quick, long backingBytes, long cacheBytes, String cachePolicy, long measureMillis,
                  List<Row> measurements, List<Study> cacheStudy, List<TargetRow> targets, List<String> skipped, double seconds) {
    }

    /** One measurement; a figure the tool does not report is null. */
    record Row(BenchSystem system, String workload, int devices, int depth, double iops, double mbPerSecond, Double p50Micros,
               Double p99Micros, Double ratioToRaw, Double cacheHitRatio, String note) {
    }

    record Study(int vms, String policy, @JsonProperty("private") List<CacheStudy.Point> privateCurve,
                 @JsonProperty("shared") List<CacheStudy.Point> sharedCurve, List<MatchRow> matches) {
    }

    /** memoryRatio -1: no shared size reached the private hit ratio. */
    record MatchRow(long privateBytes, double privateHitRatio, long sharedBytes, double memoryRatio, boolean sharedIsUpperBound) {
    }

    /** value -1: not measured in this run. */
    record TargetRow(String name, double value, double goal, boolean met, String how) {
    }

    Report report() {
        List<Row> rows = measurements.stream().map(x -> new Row(x.system(), x.workload().id, x.devices(), x.depth(), x.iops(),
                x.megabytesPerSecond(), nullIfNaN(x.p50Micros()), nullIfNaN(x.p99Micros()), nullIfNaN(x.ratioToRaw()),
                nullIfNaN(x.cacheHitRatio()), x.note())).toList();
        List<Study> st = study.stream().map(r -> new Study(r.vms(), r.policy().cliName(), r.privateCurve(), r.sharedCurve(),
                r.matches().stream().map(x -> new MatchRow(x.privateBytes(), x.privateHitRatio(), x.sharedBytes(),
                        x.sharedBytes() < 0 ? -1 : x.memoryRatio(), x.atMost())).toList())).toList();
        List<TargetRow> ts = targets.stream().map(t -> new TargetRow(t.name(), Double.isNaN(t.value()) ? -1 : t.value(), t.goal(),
                t.met(), t.how())).toList();
        return new Report(plan.quick(), plan.backingBytes(), plan.cacheBytes(), policy.cliName(), plan.measureMillis(), rows, st, ts,
                skipped, seconds);
    }

    public String json() {
        return Json.write(report());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    /** report.json and three charts (PNG). */
    public void writeDir(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), json());
        DefaultCategoryDataset bars = new DefaultCategoryDataset();
        for (Measurement m : measurements) {
            if (m.devices() == 1 || m.workload() == Workload.TRACE) {
                bars.addValue(m.iops(), m.system().label(), m.workload().id + " x" + m.devices() + " d" + m.depth());
            }
        }
        JFreeChart iops = ChartFactory.createBarChart("IOPS per system (same run)", "workload", "IOPS", bars,
                PlotOrientation.HORIZONTAL, true, false, false);
        ChartUtils.saveChartAsPNG(dir.resolve("iops-per-system.png").toFile(), iops, 1100, 900);
        if (study.isEmpty()) {
            return;
        }
        XYSeriesCollection byPolicy = new XYSeriesCollection();
        XYSeriesCollection sharedVsPrivate = new XYSeriesCollection();
        for (CacheStudy.Result r : study) {
            if (r.vms() == 64) {
                byPolicy.addSeries(series("shared, " + r.policy(), r.sharedCurve()));
            }
            if (r.policy() == CachePolicy.LRU) {
                sharedVsPrivate.addSeries(series(r.vms() + " VMs, one shared cache", r.sharedCurve()));
                sharedVsPrivate.addSeries(series(r.vms() + " VMs, private caches (total)", r.privateCurve()));
            }
        }
        save(dir, "hit-ratio-vs-cache-size.png", "64 VMs on the trace: hit ratio vs shared cache size, per policy", byPolicy);
        save(dir, "shared-vs-private.png", "Shared cache vs private caches of the same total (LRU)", sharedVsPrivate);
    }

    private static XYSeries series(String name, List<CacheStudy.Point> points) {
        XYSeries s = new XYSeries(name);
        for (CacheStudy.Point p : points) {
            s.add(p.totalBytes() / 1048576.0, p.hitRatio());
        }
        return s;
    }

    private static void save(Path dir, String file, String title, XYSeriesCollection data) throws IOException {
        JFreeChart c = ChartFactory.createXYLineChart(title, "total cache memory (MiB, log)", "hit ratio", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = c.getXYPlot();
        LogAxis x = new LogAxis("total cache memory (MiB, log)");
        x.setBase(2);
        plot.setDomainAxis(x);
        ChartUtils.saveChartAsPNG(dir.resolve(file).toFile(), c, 1000, 650);
    }
}
