package org.ubdjava.harness.replay;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.ubdjava.harness.report.Json;

/** report.json, report.html and its charts (PNG, drawn by JFreeChart) in one directory. */
public final class HtmlReport {
    /** The report's JSON, the replay's own format, in the directory. */
    public static final String REPORT_JSON = "report.json";
    private static final int W = 800;
    private static final int H = 400;

    private HtmlReport() {
    }

    public static void write(ReplayResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(REPORT_JSON), Json.write(r) + "\n");

        XYSeries mbps = new XYSeries("MB/s");
        XYSeries iops = new XYSeries("IOPS");
        // under --at-once a finished VM counts at its final size, though its file is gone
        XYSeries cow = new XYSeries("COW MiB allocated (all VMs so far)");
        List<Timeline.Sample> s = r.samples();
        for (int i = 1; i < s.size(); i++) {
            double dt = s.get(i).seconds() - s.get(i - 1).seconds();
            if (dt <= 0) {
                continue;
            }
            mbps.add(s.get(i).seconds(), (s.get(i).bytes() - s.get(i - 1).bytes()) / dt / 1e6);
            iops.add(s.get(i).seconds(), (s.get(i).requests() - s.get(i - 1).requests()) / dt);
        }
        for (Timeline.Sample x : s) {
            cow.add(x.seconds(), x.cowBytes() / 1048576.0);
        }
        save(dir, "throughput.png", ChartFactory.createXYLineChart("Throughput over time", "seconds", "MB/s",
                new XYSeriesCollection(mbps), PlotOrientation.VERTICAL, true, false, false));
        save(dir, "iops.png", ChartFactory.createXYLineChart("Requests per second over time", "seconds", "IOPS",
                new XYSeriesCollection(iops), PlotOrientation.VERTICAL, true, false, false));
        save(dir, "cow-growth.png", ChartFactory.createXYLineChart("COW growth", "seconds", "MiB",
                new XYSeriesCollection(cow), PlotOrientation.VERTICAL, true, false, false));

        XYSeries lat = new XYSeries("requests");
        for (HistogramIterationValue v : r.latencyNanos().logarithmicBucketValues(1000, 2)) {
            if (v.getCountAddedInThisIterationStep() > 0) {
                lat.add(v.getValueIteratedTo() / 1000.0, v.getCountAddedInThisIterationStep());
            }
        }
        JFreeChart latency = ChartFactory.createXYLineChart("Latency distribution", "latency (us, log)", "requests",
                new XYSeriesCollection(lat), PlotOrientation.VERTICAL, true, false, false);
        if (lat.getItemCount() > 0) {
            latency.getXYPlot().setDomainAxis(new LogAxis("latency (us)"));
        }
        save(dir, "latency.png", latency);

        DefaultCategoryDataset perVm = new DefaultCategoryDataset();
        double[] vmIops = r.vmIops();
        for (int j = 0; j < vmIops.length; j++) {
            perVm.addValue(vmIops[j], "IOPS", Integer.toString(r.vmNumbers()[j]));
        }
        save(dir, "per-vm.png", ChartFactory.createBarChart("Per-VM IOPS", "VM", "IOPS", perVm,
                PlotOrientation.VERTICAL, false, false, false));

        StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>ubd replay report</title>"
                + "<style>body{font-family:sans-serif;max-width:900px;margin:auto}td{padding:2px 8px}</style></head><body>");
        h.append("<h1>ubd replay: ").append(r.passed() ? r.verdict() : r.verdict().toUpperCase(java.util.Locale.ROOT)).append("</h1><pre>")
                .append(escape(r.summary())).append("</pre><table>");
        for (var e : (Iterable<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>>) Json.mapper().valueToTree(r)::fields) {
            h.append("<tr><td>").append(escape(e.getKey())).append("</td><td>").append(escape(e.getValue().toString())).append("</td></tr>");
        }
        h.append("</table>");
        for (String png : new String[] {"throughput.png", "iops.png", "latency.png", "per-vm.png", "cow-growth.png"}) {
            h.append("<p><img src=\"").append(png).append("\" width=\"").append(W).append("\"></p>");
        }
        h.append("</body></html>\n");
        Files.writeString(dir.resolve("report.html"), h);
    }

    private static void save(Path dir, String name, JFreeChart chart) throws IOException {
        ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, W, H);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
