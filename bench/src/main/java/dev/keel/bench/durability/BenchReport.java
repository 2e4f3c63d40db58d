package dev.keel.bench.durability;

import java.util.List;

/**
 * A finished run: the machine, how the run was set up, and every case in the order it ran.
 *
 * @param machine what was measured on
 * @param run how: seconds per case, warm-up, quick or full, the AIO backends, how long it all took
 * @param cases every row, with its latencies for the charts
 */
public record BenchReport(Machine machine, RunInfo run, List<BenchCase> cases) {
    /**
     * @param secondsPerCase each case's measuring window
     * @param warmupSeconds each case's warm-up before its window
     * @param quick true for {@code --quick}
     * @param backends the AIO backends this machine runs, best first
     * @param bestBackend the one Keel picks by default (scaling, pipelined, recovery)
     * @param elapsedSeconds the whole run, set-up and clean-up included
     */
    public record RunInfo(double secondsPerCase, double warmupSeconds, boolean quick, List<String> backends, String bestBackend,
                          double elapsedSeconds) {
    }

    public List<CaseResult> results() {
        return cases.stream().map(BenchCase::result).toList();
    }
}
