package dev.keel.bench.durability;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The durability benchmark behind {@code keel bench}: runs the sections in order (the device's
 * limits first, since the later sections' ratios and bounds divide by them), printing
 * each row as it is measured, and returns the report for {@code --json} and {@code --plots}.
 * Every figure, the references the ratios divide by included, is measured in this run.
 */
public final class DurabilityBench {
    /** Every section, in the order they run. */
    public static final List<Section> SECTIONS = List.of(new LimitsSection(), new SyncMethodsSection(), new ScalingSection(), new PipelinedSection(),
        new RecoverySection(), new DirectIoSection());

    private final List<Section> sections;

    /** A benchmark of the named sections ({@link Section#name()}), run in their usual order; all of them when empty. */
    public DurabilityBench(List<String> sectionNames) {
        for (String name : sectionNames) {
            if (SECTIONS.stream().noneMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException("--section=" + name + " is not a section: choose from " + sectionNames());
            }
        }
        this.sections = SECTIONS.stream().filter(s -> sectionNames.isEmpty() || sectionNames.contains(s.name())).toList();
    }

    public static List<String> sectionNames() {
        return SECTIONS.stream().map(Section::name).toList();
    }

    public BenchReport run(BenchSettings settings, PrintStream out, Progress progress) throws IOException {
        long start = System.nanoTime();
        Machine machine = Machine.probe(settings.dir());
        ResultTable table = new ResultTable(out, progress);
        out.println("keel bench: durable appends on this machine, Keel beside the raw limit and its peers, in one run");
        out.println("  " + machine.summary());
        int timed = sections.stream().mapToInt(s -> s.timedCases(settings)).sum();
        out.printf("  %d timed cases of %.2f s each after %.2f s of warm-up%s%s%n", timed, settings.windowNs() / 1e9,
            settings.warmupNs() / 1e9, sections.stream().anyMatch(s -> s instanceof RecoverySection)
                ? String.format(", recovery of a %d MiB log", settings.recoveryLogBytes() >> 20) : "",
            settings.quick() ? " (--quick)" : "");
        out.println("  AIO backends: " + String.join(", ", settings.backends()) + " (best: " + settings.bestBackend() + ")");
        BenchRun run = new BenchRun(settings, table, progress);
        List<BenchCase> cases = new ArrayList<>();
        for (Section section : sections) {
            List<BenchCase> done = section.run(run);
            cases.addAll(done);
            notes(table, done);
        }
        progress.clear();
        double elapsed = (System.nanoTime() - start) / 1e9;
        out.printf("%nkeel bench: %d cases in %.0f s%n", cases.size(), elapsed);
        return new BenchReport(machine, new BenchReport.RunInfo(settings.windowNs() / 1e9, settings.warmupNs() / 1e9,
            settings.quick(), settings.backends(), settings.bestBackend(), elapsed), cases);
    }

    /** Under a section, how each system other than Keel was made durable (or the page cache state): what a reader must know to trust a row. */
    private static void notes(ResultTable table, List<BenchCase> cases) {
        Map<String, String> bySystem = new LinkedHashMap<>();
        for (BenchCase c : cases) {
            CaseResult r = c.result();
            if (!r.system().startsWith("keel") && r.note() != null && !r.section().equals(CaseResult.RECOVERY)) {
                bySystem.putIfAbsent(r.system(), r.note());
            }
        }
        bySystem.forEach((system, note) -> table.line(system + ": " + note));
        String firstAppends = FirstAppends.drain();
        if (firstAppends != null) {
            table.line(firstAppends);
        }
    }
}
