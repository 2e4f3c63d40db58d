package dev.keel.bench.durability;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code --plots DIR}: PNG charts drawn with XChart from the run's cases.
 * <ul>
 *   <li>{@code scaling-128B.png}, {@code scaling-4KiB.png}: records/s against threads, one line per system;</li>
 *   <li>{@code latency-sync-methods-*.png}: latency CDFs of the one-writer modes on the best backend, raw limit included;</li>
 *   <li>{@code latency-scaling-*.png}: latency CDFs per system, for each thread count and record size;</li>
 *   <li>{@code latency-pipelined.png}: latency CDFs per number in flight.</li>
 * </ul>
 * Latency charts plot latency (log axis) against 1/(1-p) (log axis, HdrHistogram's way), so the
 * tail (p99, p999) is spread out where a reader can see it; each series names its sample count.
 * The scaling charts carry the closed-loop device bound as a dashed black line.
 */
public final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    /** Six series at most share a chart; XChart's default palette repeats yellows at five. */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    /** HdrHistogram percentile iteration: points per halving of the distance to 100%. */
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Writes every chart the report has data for; returns the files written. */
    public static List<Path> write(BenchReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        List<BenchCase> cases = report.cases();
        for (int recordBytes : ScalingSection.RECORD_BYTES) {
            written.add(scaling(cases, recordBytes, dir));
            for (int threads : ScalingSection.THREAD_COUNTS) {
                String name = "latency-scaling-" + threads + "x" + fileSize(recordBytes);
                written.add(cdf(cases, c -> c.section().equals(CaseResult.SCALING) && c.threads() == threads
                        && c.recordBytes() == recordBytes, CaseResult::system,
                    "Latency, " + threads + " threads x " + ResultTable.bytes(recordBytes) + ", FDATASYNC", dir, name));
            }
        }
        for (int recordBytes : SyncMethodsSection.RECORD_BYTES) {
            written.add(cdf(cases, c -> c.section().equals(CaseResult.SYNC_METHODS) && c.recordBytes() == recordBytes
                    && (c.backend() == null || c.backend().equals(report.run().bestBackend())),
                c -> c.mode() == null ? c.system() : c.mode(),
                "Latency, one writer, " + ResultTable.bytes(recordBytes) + " (keel on " + report.run().bestBackend() + ")", dir,
                "latency-sync-methods-" + fileSize(recordBytes)));
        }
        written.add(cdf(cases, c -> c.section().equals(CaseResult.PIPELINED), c -> c.inFlight() + " in flight",
            "Latency, pipelined appendAsync, " + ResultTable.bytes(PipelinedSection.RECORD_BYTES), dir, "latency-pipelined"));
        written.removeIf(p -> p == null);
        return written;
    }

    private static Path scaling(List<BenchCase> cases, int recordBytes, Path dir) throws IOException {
        Map<String, List<double[]>> bySystem = new LinkedHashMap<>();
        for (BenchCase bc : cases) {
            CaseResult c = bc.result();
            // A case too slow to finish a record inside a very short window has no point on a log axis.
            if (c.section().equals(CaseResult.SCALING) && c.recordBytes() == recordBytes && c.recordsPerSec() != null
                && c.recordsPerSec() > 0) {
                String name = c.system().equals(ScalingSection.BOUND) ? "closed-loop device bound" : c.system();
                bySystem.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {c.threads(), c.recordsPerSec()});
            }
        }
        if (bySystem.isEmpty()) {
            return null;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
            .title("Group commit scaling, " + ResultTable.bytes(recordBytes) + " records, durable appends")
            .xAxisTitle("threads").yAxisTitle("records/s").build();
        XYStyler style = styled(chart);
        style.setXAxisLogarithmic(true);
        style.setYAxisLogarithmic(true);
        style.setYAxisDecimalPattern("#,###");
        style.setLegendPosition(Styler.LegendPosition.OutsideE);
        style.setMarkerSize(7);
        bySystem.forEach((system, points) -> {
            var series = chart.addSeries(system, column(points, 0), column(points, 1));
            series.setMarker(system.startsWith("closed-loop") ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            if (system.startsWith("closed-loop")) {
                series.setLineColor(Color.BLACK);
                series.setLineStyle(new java.awt.BasicStroke(2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f,
                    new float[] {8f, 6f}, 0f));
            }
        });
        return save(chart, dir, "scaling-" + fileSize(recordBytes));
    }

    private static Path cdf(List<BenchCase> cases, Predicate<CaseResult> filter, Function<CaseResult, String> name,
                            String title, Path dir, String file) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("percentile as 1/(1-p): 2 = p50, 10 = p90, 100 = p99, 1,000 = p99.9, 10,000 = p99.99")
            .yAxisTitle("latency (us)").build();
        XYStyler style = styled(chart);
        style.setXAxisLogarithmic(true);
        style.setYAxisLogarithmic(true);
        style.setYAxisDecimalPattern("#,###.#");
        style.setLegendPosition(Styler.LegendPosition.OutsideE);
        boolean any = false;
        // Two cases can share a name and a sample count (the raw limit measured in several
        // rounds); XChart refuses a series name twice, so later ones get a number.
        java.util.Set<String> used = new java.util.HashSet<>();
        for (BenchCase bc : cases) {
            Histogram h = bc.latencyNs();
            if (h == null || h.getTotalCount() == 0 || !filter.test(bc.result())) {
                continue;
            }
            List<double[]> points = tail(h);
            String label = name.apply(bc.result()) + " (" + h.getTotalCount() + " samples)";
            for (int k = 2; !used.add(label); k++) {
                label = name.apply(bc.result()) + " #" + k + " (" + h.getTotalCount() + " samples)";
            }
            chart.addSeries(label, column(points, 0), column(points, 1)).setMarker(SeriesMarkers.NONE);
            any = true;
        }
        return any ? save(chart, dir, file) : null;
    }

    /**
     * A latency distribution as (1/(1-p), latency us) points, so that p99 and p999 get as much
     * room as the median: on a linear percentile axis they are squeezed into the top edge. The
     * last point (p = 100%) sits at twice the sample count: the maximum, one sample in n.
     */
    static List<double[]> tail(Histogram h) {
        List<double[]> points = new ArrayList<>();
        double lastX = 2.0 * h.getTotalCount();
        for (HistogramIterationValue v : h.percentiles(TICKS_PER_HALF_DISTANCE)) {
            double p = v.getPercentileLevelIteratedTo();
            double x = p >= 100 ? lastX : Math.min(lastX, 100 / (100 - p));
            points.add(new double[] {x, Math.max(0.001, v.getValueIteratedTo() / 1000.0)});
        }
        return points;
    }

    private static XYStyler styled(XYChart chart) {
        XYStyler style = chart.getStyler();
        style.setSeriesColors(PALETTE);
        style.setXAxisDecimalPattern("#,###.#");
        style.setChartBackgroundColor(Color.WHITE);
        return style;
    }

    private static double[] column(List<double[]> points, int index) {
        double[] out = new double[points.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = points.get(i)[index];
        }
        return out;
    }

    private static Path save(XYChart chart, Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    private static String fileSize(int bytes) {
        return ResultTable.bytes(bytes).replace(" ", "");
    }
}
