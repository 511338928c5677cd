package org.ubdjava.harness.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.ubdjava.harness.cli.Json;
import org.ubdjava.driver.cache.CachePolicy;

/** What `ubd bench` prints and writes: the table, the targets as ratios, JSON, charts. */
public final class BenchReport {
    /** A target of the issue, as a ratio measured in this run. */
    record Target(String name, double value, double goal, boolean met, String how) {
    }

    private final BenchPlan plan;
    private final CachePolicy policy;
    private final List<Measurement> measurements;
    private final List<CacheStudy.Result> study;
    private final List<String> skipped;
    private final double seconds;
    private final List<Target> targets;

    BenchReport(BenchPlan plan, CachePolicy policy, List<Measurement> measurements, List<CacheStudy.Result> study, List<String> skipped, double seconds) {
        this.plan = plan;
        this.policy = policy;
        this.measurements = measurements;
        this.study = study;
        this.skipped = skipped;
        this.seconds = seconds;
        this.targets = targets();
    }

    private double iops(String system, Workload w, int devices, int depth) {
        return measurements.stream().filter(m -> m.system().equals(system) && m.workload().equals(w.id) && m.devices() == devices
                && m.depth() == depth).mapToDouble(Measurement::iops).findFirst().orElse(Double.NaN);
    }

    private double best(String system, Workload w, Predicate<Measurement> filter) {
        return measurements.stream().filter(m -> m.system().equals(system) && m.workload().equals(w.id) && filter.test(m))
                .mapToDouble(Measurement::iops).max().orElse(Double.NaN);
    }

    private List<Target> targets() {
        List<Target> t = new ArrayList<>();
        int d = BenchRun.DEPTH;
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_READ_HALF, Workload.RAND_WRITE}) {
            int goal = w.write ? 10 : 20;
            add(t, "driver vs real UML, " + w.id + " depth 1 (both)", iops("driver", w, 1, 1) / iops("uml", w, 1, 1), goal,
                    "same depth: fio psync in the guest");
            add(t, "driver vs real UML, " + w.id + " our depth 32", iops("driver", w, 1, d) / iops("uml", w, 1, 1), goal,
                    "the real driver is slower at depth 32 than at 1 (oracle README), so its depth 1 is its best");
        }
        for (Workload w : new Workload[] {Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            add(t, "driver vs real UML, " + w.id + " (no goal given; MB/s)", iops("driver", w, 1, 1) / iops("uml", w, 1, 1), 1, "depth 1 both");
        }
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE}) {
            for (int depth : new int[] {1, d}) {
                add(t, "driver vs qcow2 (qemu-img bench), " + w.id + " depth " + depth, iops("driver", w, 1, depth) / iops("qcow2", w, 1, depth),
                        1, "same depth");
            }
        }
        for (Workload w : new Workload[] {Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            add(t, "driver vs qcow2 (qemu-img bench), " + w.id, iops("driver", w, 1, 1) / iops("qcow2", w, 1, 1), 1, "depth 1");
        }
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE}) {
            for (int depth : new int[] {1, d}) {
                add(t, "driver over NBD vs qemu-nbd (qcow2 overlay), unix socket, " + w.id + " depth " + depth,
                        iops("driver over NBD", w, 1, depth) / iops("qemu-nbd", w, 1, depth), 1,
                        "both served over a unix socket, both driven by the same qemu-img bench");
            }
        }
        double rawReads = iops("raw", Workload.RAND_READ_EMPTY, 1, 1);
        add(t, "reads served from the shared cache (cache layer, one thread) vs raw warm reads",
                iops("cache-layer", Workload.RAND_READ_EMPTY, 1, 1) / rawReads, 0.8, "CachedBackingDevice hits / one-thread pread loop");
        add(t, "reads through the driver with the shared cache vs raw warm reads",
                best("driver+cache", Workload.RAND_READ_EMPTY, m -> true) / rawReads, 0.8,
                "best of devices/depths; the queue's thread hand-offs cost the same with or without the cache");
        add(t, "driver with the shared cache vs without, 4k-randread-cow-empty x64",
                iops("driver+cache", Workload.RAND_READ_EMPTY, 64, 1) / iops("driver", Workload.RAND_READ_EMPTY, 64, 1), 1, "same run");
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
                if (!m.workload().equals(w.id)) {
                    continue;
                }
                if (!last.equals(m.workload()) && !last.isEmpty()) {
                    out.println();
                }
                last = m.workload();
                out.printf(Locale.ROOT, "%-22s %4d %5d %-16s %10.0f %9.1f %9s %9s %7.2f %6s%n", m.workload(), m.devices(), m.depth(), m.system(),
                        m.iops(), m.megabytesPerSecond(), num(m.p50Micros()), num(m.p99Micros()), m.ratioToRaw(),
                        Double.isNaN(m.cacheHitRatio()) ? "-" : String.format(Locale.ROOT, "%.3f", m.cacheHitRatio()));
            }
        }
        if (!study.isEmpty()) {
            out.println();
            out.println("cache study (CloudPhysics trace" + (plan.traceLimit() > 0 ? ", first " + plan.traceLimit() + " records" : "")
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

    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quick", plan.quick());
        m.put("backingBytes", plan.backingBytes());
        m.put("cacheBytes", plan.cacheBytes());
        m.put("cachePolicy", policy.cliName());
        m.put("measureMillis", plan.measureMillis());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Measurement x : measurements) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("system", x.system());
            r.put("workload", x.workload());
            r.put("devices", x.devices());
            r.put("depth", x.depth());
            r.put("iops", x.iops());
            r.put("mbPerSecond", x.megabytesPerSecond());
            r.put("p50Micros", nullIfNaN(x.p50Micros()));
            r.put("p99Micros", nullIfNaN(x.p99Micros()));
            r.put("ratioToRaw", nullIfNaN(x.ratioToRaw()));
            r.put("cacheHitRatio", nullIfNaN(x.cacheHitRatio()));
            r.put("note", x.note());
            rows.add(r);
        }
        m.put("measurements", rows);
        List<Map<String, Object>> st = new ArrayList<>();
        for (CacheStudy.Result r : study) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("vms", r.vms());
            e.put("policy", r.policy().cliName());
            e.put("private", r.privateCurve());
            e.put("shared", r.sharedCurve());
            e.put("matches", r.matches().stream().map(x -> Map.of("privateBytes", x.privateBytes(), "privateHitRatio", x.privateHitRatio(),
                    "sharedBytes", x.sharedBytes(), "memoryRatio", x.sharedBytes() < 0 ? -1 : x.memoryRatio(),
                    "sharedIsUpperBound", x.atMost())).toList());
            st.add(e);
        }
        m.put("cacheStudy", st);
        m.put("targets", targets.stream().map(t -> Map.of("name", t.name(), "value", nullIfNaN(t.value()) == null ? -1 : t.value(),
                "goal", t.goal(), "met", t.met(), "how", t.how())).toList());
        m.put("skipped", skipped);
        m.put("seconds", seconds);
        return Json.write(m);
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
            if (m.devices() == 1 || m.workload().equals(Workload.TRACE.id)) {
                bars.addValue(m.iops(), m.system(), m.workload() + " x" + m.devices() + " d" + m.depth());
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
