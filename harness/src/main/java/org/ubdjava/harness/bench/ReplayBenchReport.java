package org.ubdjava.harness.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** {@code ubd bench --replay}: each system on each trace and VM count, with the ratio to fio's replay of the same. */
public record ReplayBenchReport(List<Row> rows) {

    /** Who replayed. */
    public enum System {
        UBD_REPLAY("ubd replay", "ubd replay, every read verified"),
        FIO_REPLAY("fio replay", "fio --read_iolog --replay_no_stall=1, psync, a copy of the backing per job, nothing verified"),
        UML_UBD_FIO("real UML ubd", "fio's replay in a UML guest on the kernel's ubd driver (COW over the backing), direct I/O");

        final String label;
        final String what;

        System(String label, String what) {
            this.label = label;
            this.what = what;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param latencyP50Us device latency (ours: submit to completion; fio: completion latency of its commoner op)
     * @param verified     every check passed (fio and the guest check nothing: true)
     * @param backingBytesReadToVerify ours only: backing bytes the checks compared
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Row(String trace, int vms, System system, long requests, double iops, double mbPerS,
                      double latencyP50Us, double latencyP99Us, boolean verified, long mismatches, long backingBytesReadToVerify) {
    }

    /** IOPS of {@code r} over fio's on the same trace and VM count; NaN without a fio row. */
    public double ratioToFio(Row r) {
        for (Row f : rows) {
            if (f.system == System.FIO_REPLAY && f.trace.equals(r.trace) && f.vms == r.vms) {
                return r.iops / f.iops;
            }
        }
        return Double.NaN;
    }

    /** The rows with their ratio, for the JSON. */
    @JsonProperty("results")
    public List<Rated> rated() {
        return rows.stream().map(r -> new Rated(r, round(ratioToFio(r)))).toList();
    }

    @JsonIgnore
    public List<Row> rows() {
        return rows;
    }

    public record Rated(@com.fasterxml.jackson.annotation.JsonUnwrapped Row row,
                        @JsonProperty("ratio_to_fio") double ratioToFio) {
    }

    public void printTable(PrintWriter out) {
        out.printf(Locale.ROOT, "%-18s %4s  %-13s %10s %9s %9s %9s %8s  %s%n",
                "trace", "VMs", "system", "IOPS", "MB/s", "p50 us", "p99 us", "vs fio", "checks");
        for (Row r : rows) {
            double ratio = ratioToFio(r);
            out.printf(Locale.ROOT, "%-18s %4d  %-13s %10.0f %9.1f %9.1f %9.1f %8s  %s%n", r.trace, r.vms, r.system.label,
                    r.iops, r.mbPerS, r.latencyP50Us, r.latencyP99Us, Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio),
                    r.system == System.UBD_REPLAY ? (r.verified ? "passed, " : "FAILED, ") + r.mismatches + " mismatches" : "none");
        }
        out.println();
        for (System s : System.values()) {
            out.println("  " + s.label + ": " + s.what);
        }
        out.flush();
    }

    /** report.json and one IOPS chart per trace. */
    public void writeDir(Path dir, String json) throws IOException {
        java.lang.System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("replay-report.json"), json + "\n");
        for (String trace : rows.stream().map(Row::trace).distinct().toList()) {
            DefaultCategoryDataset bars = new DefaultCategoryDataset();
            for (Row r : rows) {
                if (r.trace.equals(trace)) {
                    bars.addValue(r.iops, r.system.label, r.vms + " VM" + (r.vms == 1 ? "" : "s"));
                }
            }
            JFreeChart c = ChartFactory.createBarChart("Replay of " + trace + ": IOPS (same run)", "VMs", "IOPS", bars,
                    PlotOrientation.VERTICAL, true, false, false);
            ChartUtils.saveChartAsPNG(dir.resolve("replay-" + trace.replaceAll("[^A-Za-z0-9.-]", "_") + ".png").toFile(), c, 900, 600);
        }
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 100) / 100.0;
    }
}
