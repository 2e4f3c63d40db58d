package dev.keel.bench.durability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Interleaved rounds: the systems a comparison involves are all opened (each in a directory of
 * its own), then measured in turn, round after round (A B C, A B C, A B C), each round a slice of
 * the case's window. A ratio is then taken within each round, between measurements seconds
 * apart, and the median over the rounds decides it ({@link Spread}): a virtual disk that drifts,
 * or a neighbour's burst, moves one round, not the verdict. The first round of each system runs
 * after the case's warm-up, later rounds after a quarter of it (the system is already warm).
 *
 * <pre>
 *   open A, B, C
 *   round 1:  warm A | A | warm B | B | warm C | C
 *   round 2:  A' | A | B' | B | C' | C            (A' = a quarter of the warm-up)
 *   round 3:  ...
 *   close all; each system's row adds its rounds up (records, windows, latencies, CPU)
 * </pre>
 */
public final class Rounds {
    /** One system in a comparison: how the report names it and how it is opened. */
    public record Entrant(String label, String mode, String backend, BenchRun.LogFactory<? extends DurableLog> factory) {
    }

    /** What the rounds produced: per entrant, one measurement per round, and the systems' own descriptions. */
    public record Result(List<Entrant> entrants, List<List<Measurement>> byEntrant, List<String> systems, List<String> guarantees,
                         List<String> notes) {
        /** Entrant {@code i}'s rounds added up. */
        public Measurement total(int i) {
            return Measurement.sum(byEntrant.get(i));
        }

        public int rounds() {
            return byEntrant.get(0).size();
        }

        /**
         * Entrant {@code i}'s ratio in every round against {@code reference}, a function of that round's
         * records/s of every entrant (in entrant order): the median and spread over the rounds.
         */
        public Spread ratio(int i, ToDoubleFunction<double[]> reference) {
            double[] ratios = new double[rounds()];
            for (int r = 0; r < ratios.length; r++) {
                double[] rates = new double[byEntrant.size()];
                for (int e = 0; e < rates.length; e++) {
                    rates[e] = byEntrant.get(e).get(r).recordsPerSec();
                }
                double ref = reference.applyAsDouble(rates);
                ratios[r] = ref > 0 ? rates[i] / ref : Double.NaN;
            }
            return Spread.of(ratios);
        }
    }

    private Rounds() {
    }

    /**
     * Runs {@code entrants} with {@code threads} blocking writers of {@code recordBytes} each in
     * {@code rounds} interleaved rounds of {@code windowNs / rounds}, in one directory per entrant
     * under a fresh case directory.
     */
    public static Result closedLoop(BenchRun run, String label, List<Entrant> entrants, int threads, int recordBytes)
        throws IOException {
        BenchSettings s = run.settings();
        int rounds = s.rounds();
        long roundNs = s.windowNs() / rounds;
        return run.inCaseDir(label, dir -> {
            List<DurableLog> logs = new ArrayList<>();
            try {
                for (int e = 0; e < entrants.size(); e++) {
                    Path own = Files.createDirectories(dir.resolve(Integer.toString(e)));
                    logs.add(entrants.get(e).factory().open(own));
                }
                List<List<Measurement>> byEntrant = new ArrayList<>();
                entrants.forEach(e -> byEntrant.add(new ArrayList<>()));
                for (int r = 0; r < rounds; r++) {
                    ClosedLoop loop = new ClosedLoop(r == 0 ? s.warmupNs() : s.warmupNs() / 4, roundNs);
                    for (int e = 0; e < logs.size(); e++) {
                        run.progress().step(label + ": " + entrants.get(e).label() + ", round " + (r + 1) + " of " + rounds);
                        byEntrant.get(e).add(loop.run(logs.get(e), threads, recordBytes));
                    }
                }
                return new Result(List.copyOf(entrants), byEntrant, logs.stream().map(DurableLog::system).toList(),
                    logs.stream().map(DurableLog::guarantee).toList(), logs.stream().map(DurableLog::durabilityNote).toList());
            } finally {
                closeAll(logs);
            }
        });
    }

    private static void closeAll(List<DurableLog> logs) throws IOException {
        IOException first = null;
        for (DurableLog log : logs) {
            try {
                log.close();
            } catch (IOException | RuntimeException e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(log.system() + " failed to close: " + e, e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The row of entrant {@code i}: its rounds added up, named as its system names itself. */
    static CaseResult row(Result result, int i, String section, int threads, int recordBytes) {
        Entrant e = result.entrants().get(i);
        return CaseResult.timed(section, result.systems().get(i), e.mode(), e.backend(), threads, recordBytes, null,
            result.total(i), result.rounds(), result.guarantees().get(i), result.notes().get(i));
    }
}
