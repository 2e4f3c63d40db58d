package dev.keel.bench.durability;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run of {@code keel bench} does, decided once from the command line and the machine.
 *
 * @param dir the directory the cases write in (each case in its own subdirectory, removed after it)
 * @param warmupNs time each case runs before its measuring window
 * @param windowNs each case's measuring window
 * @param quick the short run: same cases, shorter windows, a smaller recovery log
 * @param recoveryLogBytes the size of the log the recovery section writes and scans (before free-space scaling)
 * @param backends the AIO backends this machine runs, best first ({@code Aio.availableBackends()})
 * @param bestBackend the backend Keel picks by default; scaling, pipelined and recovery run on it
 * @param rounds interleaved rounds every compared group runs ({@link Rounds}), each a slice of {@code windowNs}
 */
public record BenchSettings(Path dir, long warmupNs, long windowNs, boolean quick, long recoveryLogBytes, List<String> backends,
                            String bestBackend, int rounds) {
    /** A B A B A B: three rounds at least, so that a median exists that one bad round cannot move. */
    public static final int DEFAULT_ROUNDS = 3;

    public BenchSettings {
        backends = List.copyOf(backends);
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds=" + rounds + " must be at least 1");
        }
    }
}
