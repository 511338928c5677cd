package org.ubdjava.harness.cachesim;

import java.awt.BasicStroke;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.ubdjava.harness.report.Json;

/** {@code ubd cache-sim}'s outputs: the text table, the JSON, and the charts with every curve on one axis. */
public final class CacheSimReport {
    public static final String PNG = "hit-ratio.png";
    /** The result's JSON in the directory. */
    public static final String REPORT_JSON = "report.json";
    static final int W = 1100;
    static final int H = 700;

    private CacheSimReport() {
    }

    public static void printTable(CacheSimResult r, PrintWriter out) {
        CacheSimResult.Stream s = r.stream();
        out.printf(Locale.ROOT, "%d VMs on %s (time shift %s, space shift %s): %,d records, %,d backing-page accesses%s%n",
                s.vms(), String.join(", ", s.traces()), s.shiftTime(), s.shiftSpace(), s.records(), s.accesses(),
                s.footprintPages() == null ? " (private caches only: no shared stream here)"
                        : String.format(Locale.ROOT, ", footprint %,d pages", s.footprintPages()));
        out.printf(Locale.ROOT, "%-10s %-8s %12s %12s %12s %9s%n", "policy", "mode", "size", "accesses", "hits", "hit ratio");
        for (CacheSimResult.Row row : r.results()) {
            out.printf(Locale.ROOT, "%-10s %-8s %12s %12d %12d %9.4f%n", row.policy(), row.mode(), bytes(row.sizeBytes()),
                    row.accesses(), row.hits(), row.hitRatio());
        }
        if (r.sample() != null) {
            CacheSimResult.Sampled m = r.sample();
            out.printf(Locale.ROOT, "SHARDS at rate %s (%,d sampled accesses): LRU curve off the exact one by %.4f on average, %.4f at most "
                    + "(%d sizes from %s up)%n", m.rate(), m.sampledAccesses(), m.meanAbsError(), m.maxAbsError(), m.errorPoints(),
                    bytes(m.errorFromSizeBytes()));
        }
        out.flush();
    }

    public static String json(CacheSimResult r) {
        return Json.write(r);
    }

    /** report.json, hit-ratio.png and report.html in {@code dir}. */
    public static void writeDir(CacheSimResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(REPORT_JSON), json(r) + "\n");
        ChartUtils.saveChartAsPNG(dir.resolve(PNG).toFile(), chart(r), W, H);
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>ubd cache-sim</title>"
                + "<style>body{font-family:sans-serif;max-width:1150px;margin:auto}td,th{padding:2px 8px;text-align:right}</style>"
                + "</head><body><h1>ubd cache-sim</h1><p><img src=\"" + PNG + "\" width=\"" + W + "\"></p>" + htmlTable(r)
                + "</body></html>\n";
        Files.writeString(dir.resolve("report.html"), html);
    }

    /** Every policy and mode, the exact LRU curves and the sampled one, against total cache size on one log axis. */
    static JFreeChart chart(CacheSimResult r) {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (CacheSimResult.Curve c : r.curves()) {
            XYSeries s = series.computeIfAbsent(c.policy() + " " + c.mode() + " (exact curve)", XYSeries::new);
            for (CacheSimResult.Point p : c.points()) {
                s.add(mib(p.sizeBytes()), p.hitRatio());
            }
        }
        if (r.sample() != null) {
            XYSeries s = series.computeIfAbsent("lru shared (SHARDS, rate " + r.sample().rate() + ")", XYSeries::new);
            for (CacheSimResult.SampledPoint p : r.sample().points()) {
                s.add(mib(p.sizeBytes()), p.hitRatio());
            }
        }
        for (CacheSimResult.Row row : r.results()) {
            series.computeIfAbsent(row.policy() + " " + row.mode(), XYSeries::new).add(mib(row.sizeBytes()), row.hitRatio());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart c = ChartFactory.createXYLineChart("Backing cache hit ratio vs total cache size (" + r.stream().vms() + " VMs)",
                "total cache memory (MiB, log)", "hit ratio", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = c.getXYPlot();
        LogAxis x = new LogAxis("total cache memory (MiB, log)");
        x.setBase(2);
        x.setSmallestValue(1.0 / 1024);
        plot.setDomainAxis(x);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        for (int i = 0; i < data.getSeriesCount(); i++) {
            boolean curve = data.getSeriesKey(i).toString().contains("(");
            renderer.setSeriesShapesVisible(i, !curve);
            renderer.setSeriesStroke(i, new BasicStroke(curve ? 2.5f : 1.2f));
        }
        plot.setRenderer(renderer);
        return c;
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    static String bytes(long b) {
        if (b % (1L << 30) == 0) {
            return (b >> 30) + " GiB";
        }
        if (b % (1L << 20) == 0) {
            return (b >> 20) + " MiB";
        }
        if (b % (1L << 10) == 0) {
            return (b >> 10) + " KiB";
        }
        return b + " B";
    }

    private static String htmlTable(CacheSimResult r) {
        StringBuilder h = new StringBuilder("<table><tr><th>policy</th><th>mode</th><th>size</th><th>accesses</th><th>hits</th><th>hit ratio</th></tr>");
        for (CacheSimResult.Row row : r.results()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%.4f</td></tr>",
                    row.policy(), row.mode(), bytes(row.sizeBytes()), row.accesses(), row.hits(), row.hitRatio()));
        }
        return h.append("</table>").toString();
    }
}
