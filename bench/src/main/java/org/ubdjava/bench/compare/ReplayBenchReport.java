package org.ubdjava.bench.compare;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

/**
 * {@code ubd bench --replay}: each system on each trace and VM count, with the ratio to fio's replay
 * of the same, and the {@link ReplayCases} that are a ratio of their own.
 */
public record ReplayBenchReport(List<Row> rows, ReplayCases cases) {
    public ReplayBenchReport(List<Row> rows) {
        this(rows, ReplayCases.NONE);
    }

    /** Who replayed. */
    public enum System {
        UBD_REPLAY("ubd replay", "ubd replay, every read verified, sparse COW files (as the kernel makes them) that grow by"
                + " 1 MiB units while open and give back their unused runs of 64 KiB or more at close (the default)"),
        UBD_REPLAY_BLOCKWISE("ubd 4K-growth", "ubd replay --alloc-unit 0: the same, the COW files growing block by block,"
                + " as the kernel's do"),
        UBD_REPLAY_PREALLOCATED("ubd prealloc", "ubd replay --preallocate falloc: the same, each COW file's blocks reserved"
                + " when it is made, before the clock, as fio's copies are whole before its clock starts"),
        FIO_REPLAY("fio replay", "fio --read_iolog --replay_no_stall=1, psync, a copy of the backing per job, nothing verified"),
        UML_UBD_FIO("real UML ubd", "fio's replay in a UML guest on the kernel's ubd driver (COW over the backing), direct I/O");

        final String label;
        final String what;

        /** One of ours, which checks what it reads. */
        boolean ours() {
            return this == UBD_REPLAY || this == UBD_REPLAY_BLOCKWISE || this == UBD_REPLAY_PREALLOCATED;
        }

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
     * @param roundsIops   the IOPS of every round of this cell, in the order run; the row is the median round's
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Row(String trace, int vms, System system, long requests, double iops, double mbPerS,
                      double latencyP50Us, double latencyP99Us, boolean verified, long mismatches, long backingBytesReadToVerify,
                      List<Double> roundsIops) {
        public Row {
            roundsIops = List.copyOf(roundsIops);
        }

        /** One round's row: its own IOPS its only round. */
        public Row(String trace, int vms, System system, long requests, double iops, double mbPerS,
                   double latencyP50Us, double latencyP99Us, boolean verified, long mismatches, long backingBytesReadToVerify) {
            this(trace, vms, system, requests, iops, mbPerS, latencyP50Us, latencyP99Us, verified, mismatches,
                    backingBytesReadToVerify, List.of(iops));
        }

        /**
         * The rounds of one cell as one row: the median round's figures (the lower middle of an even
         * count), verified only if every round was, with every round's mismatches and IOPS.
         */
        public static Row medianOf(List<Row> rounds) {
            if (rounds.isEmpty()) {
                throw new IllegalArgumentException("no rounds");
            }
            List<Row> sorted = new ArrayList<>(rounds);
            sorted.sort(Comparator.comparingDouble(Row::iops));
            Row m = sorted.get((sorted.size() - 1) / 2);
            boolean verified = rounds.stream().allMatch(Row::verified);
            long mismatches = rounds.stream().mapToLong(Row::mismatches).sum();
            return new Row(m.trace, m.vms, m.system, m.requests, m.iops, m.mbPerS, m.latencyP50Us, m.latencyP99Us, verified,
                    mismatches, m.backingBytesReadToVerify, rounds.stream().map(Row::iops).toList());
        }
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
        out.printf(Locale.ROOT, "%-18s %4s  %-13s %10s %15s %9s %9s %9s %8s  %s%n",
                "trace", "VMs", "system", "IOPS", "rounds (K)", "MB/s", "p50 us", "p99 us", "vs fio", "checks");
        for (Row r : rows) {
            double ratio = ratioToFio(r);
            out.printf(Locale.ROOT, "%-18s %4d  %-13s %10.0f %15s %9.1f %9.1f %9.1f %8s  %s%n", r.trace, r.vms, r.system.label,
                    r.iops, range(r.roundsIops), r.mbPerS, r.latencyP50Us, r.latencyP99Us,
                    Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio),
                    r.system.ours() ? (r.verified ? "passed, " : "FAILED, ") + r.mismatches + " mismatches" : "none");
        }
        out.println();
        out.println("  IOPS: the median of the rounds (each system ran once a round, in a rotating order); rounds (K): their lowest and highest");
        for (System s : System.values()) {
            out.println("  " + s.label + ": " + s.what);
        }
        cases.printTable(out);
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

    private static String range(List<Double> iops) {
        double lo = iops.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double hi = iops.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return iops.size() < 2 ? "-" : String.format(Locale.ROOT, "%.0f-%.0f", lo / 1000, hi / 1000);
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 100) / 100.0;
    }
}
