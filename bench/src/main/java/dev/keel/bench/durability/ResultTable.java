package dev.keel.bench.durability;

import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;

/**
 * The report on the terminal, in the spirit of pg_test_fsync: a titled block per section, one
 * aligned row per case, printed as soon as the case (and its reference) is measured. Each
 * section picks the columns that mean something for it.
 */
public final class ResultTable {
    /** A column: its header, width (negative left-aligns, as in printf), and how a row fills it. */
    public enum Column {
        SYSTEM("system", -16, r -> r.system()),
        MODE("mode", -16, r -> r.mode() == null ? "-" : r.mode()),
        BACKEND("backend", -10, r -> r.backend() == null ? "-" : r.backend()),
        THREADS("threads", 7, r -> Integer.toString(r.threads())),
        IN_FLIGHT("in flight", 9, r -> r.inFlight() == null ? "-" : Integer.toString(r.inFlight())),
        RECORD("record", 7, r -> r.recordBytes() == null ? "-" : bytes(r.recordBytes())),
        RECORDS_PER_SEC("records/s", 11, r -> r.recordsPerSec() == null ? "-" : String.format("%,.0f", r.recordsPerSec())),
        OPS_PER_SEC("ops/s", 9, r -> String.format("%,.0f", r.recordsPerSec())),
        US_PER_OP("us/op", 8, r -> String.format("%.1f", r.usPerOp())),
        MB_PER_SEC("MB/s", 8, r -> r.mbPerSec() == null ? "-" : String.format("%,.1f", r.mbPerSec())),
        GB_PER_SEC("GB/s", 7, r -> r.mbPerSec() == null ? "-" : String.format("%.2f", r.mbPerSec() / 1000)),
        P50("p50 us", 8, r -> us(r.p50Us())),
        P99("p99 us", 8, r -> us(r.p99Us())),
        /** Marked * when fewer than 1000 samples stand behind it: then it is the maximum. */
        P999("p999 us", 9, r -> us(r.p999Us()) + (r.samples() != null && r.samples() < Measurement.SAMPLES_FOR_P999 ? "*" : " ")),
        SAMPLES("samples", 8, r -> r.samples() == null ? "-" : String.format("%,d", r.samples())),
        CPU_PER_RECORD("cpu us/rec", 10, r -> r.cpuUsPerRecord() == null ? "-" : String.format("%.1f", r.cpuUsPerRecord())),
        RATIO("ratio", 7, r -> r.ratioToLimit() == null ? "-" : String.format("%.2fx", r.ratioToLimit())),
        /** The median ratio of the interleaved rounds, then the lowest and highest round. */
        RATIO_SPREAD("ratio (rounds)", -17, ResultTable::ratioWithSpread),
        DEVICE_RATIO("vs limit", 8, r -> r.ratioToDeviceLimit() == null ? "-" : String.format("%.2fx", r.ratioToDeviceLimit())),
        GUARANTEE("durable", -19, r -> r.guarantee() == null ? "-" : r.guarantee()),
        /** The last column: free text, not padded. */
        NOTE("", UNPADDED, r -> r.note() == null ? "" : r.note());

        final String header;
        final int width;
        final Function<CaseResult, String> cell;

        Column(String header, int width, Function<CaseResult, String> cell) {
            this.header = header;
            this.width = width;
            this.cell = cell;
        }

        private String pad(String s) {
            if (width == UNPADDED) {
                return s;
            }
            return String.format("%" + width + "s", s);
        }
    }

    private static final int UNPADDED = Integer.MIN_VALUE;

    private final PrintStream out;
    private final Progress progress;
    private List<Column> columns = List.of();

    public ResultTable(PrintStream out, Progress progress) {
        this.out = out;
        this.progress = progress;
    }

    /** Starts a section: its title, lines that say how to read it, and its column headers. */
    public void section(String title, List<String> explanation, List<Column> columns) {
        progress.clear();
        this.columns = columns;
        out.println();
        out.println(title);
        for (String line : explanation) {
            out.println("  " + line);
        }
        StringBuilder header = new StringBuilder("  ");
        for (Column c : columns) {
            header.append(c.pad(c.header)).append(' ');
        }
        out.println(header.toString().stripTrailing());
    }

    public void row(CaseResult r) {
        progress.clear();
        StringBuilder line = new StringBuilder("  ");
        for (Column c : columns) {
            line.append(c.pad(c.cell.apply(r))).append(' ');
        }
        out.println(line.toString().stripTrailing());
    }

    /** A line between rows (a group caption, a skipped case and why). */
    public void line(String text) {
        progress.clear();
        out.println("  " + text);
    }

    static String bytes(long n) {
        if (n >= 1 << 20 && n % (1 << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        return n >= 1024 && n % 1024 == 0 ? (n >> 10) + " KiB" : n + " B";
    }

    private static String ratioWithSpread(CaseResult r) {
        if (r.ratioToLimit() == null) {
            return "-";
        }
        String median = String.format("%.2fx", r.ratioToLimit());
        return r.ratioMin() == null ? median : String.format("%s %.2f-%.2f", median, r.ratioMin(), r.ratioMax());
    }

    private static String us(Double v) {
        if (v == null) {
            return "-";
        }
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
    }
}
