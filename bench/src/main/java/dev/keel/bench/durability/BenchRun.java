package dev.keel.bench.durability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the sections share while a run goes on: the settings, the terminal report, progress,
 * and a fresh directory for every case (so no case reads another's files or page cache state),
 * removed as soon as the case is done.
 */
public final class BenchRun {
    private final BenchSettings settings;
    private final ResultTable table;
    private final Progress progress;
    private final DeviceLimits limits = new DeviceLimits();
    private int caseNumber;

    public BenchRun(BenchSettings settings, ResultTable table, Progress progress) {
        this.settings = settings;
        this.table = table;
        this.progress = progress;
    }

    public BenchSettings settings() {
        return settings;
    }

    public ResultTable table() {
        return table;
    }

    public Progress progress() {
        return progress;
    }

    /** The device limits measured so far in this run (filled by the limits section, which runs first). */
    public DeviceLimits limits() {
        return limits;
    }

    /** Opens a system on a directory of its own. */
    @FunctionalInterface
    public interface LogFactory<L extends DurableLog> {
        L open(Path dir) throws IOException;
    }

    /** What a case does with its system once it is open. */
    @FunctionalInterface
    public interface CaseBody<L extends DurableLog, T> {
        T run(L log) throws IOException;
    }

    /** What a case does in its directory. */
    @FunctionalInterface
    public interface DirBody<T> {
        T run(Path dir) throws IOException;
    }

    /** Runs {@code body} in a fresh directory and removes the directory afterwards, whatever happened. */
    public <T> T inCaseDir(String label, DirBody<T> body) throws IOException {
        progress.step(label);
        Path dir = settings.dir().resolve(String.format("case-%03d", ++caseNumber));
        Files.createDirectories(dir);
        try {
            return body.run(dir);
        } finally {
            deleteTree(dir);
        }
    }

    /** Opens a system in a fresh directory, runs {@code body} on it, closes it, and removes the directory. */
    public <L extends DurableLog, T> T inCase(String label, LogFactory<L> factory, CaseBody<L, T> body) throws IOException {
        return inCaseDir(label, dir -> {
            try (L log = factory.open(dir)) {
                return body.run(log);
            }
        });
    }

    /**
     * A closed-loop case: {@code threads} writers of {@code recordBytes} on a fresh system; the row
     * is named after the system and its durability note, its ratio left for the section to set.
     */
    public <L extends DurableLog> BenchCase closedLoop(String section, String label, LogFactory<L> factory, String mode, String backend, int threads,
                                int recordBytes) throws IOException {
        ClosedLoop loop = new ClosedLoop(settings.warmupNs(), settings.windowNs());
        return inCase(label, factory, (L log) -> {
            Measurement m = loop.run(log, threads, recordBytes);
            return BenchCase.of(CaseResult.timed(section, log.system(), mode, backend, threads, recordBytes, null, m, 1,
                log.guarantee(), log.durabilityNote()), m);
        });
    }

    /** Removes a directory and everything in it. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
