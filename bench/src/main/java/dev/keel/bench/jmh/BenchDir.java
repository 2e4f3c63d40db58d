package dev.keel.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the JMH benchmarks keep a trial's files: a fresh directory under {@code -Dkeel.bench.dir}
 * (default: the working directory, which is on the disk being measured; {@code /tmp} may be a
 * tmpfs), removed with everything in it when the trial ends.
 */
final class BenchDir {
    /** The system property naming the parent directory; pass it to the fork with {@code -jvmArgs}. */
    static final String PROPERTY = "keel.bench.dir";

    private BenchDir() {
    }

    /** A new, empty directory under {@code -Dkeel.bench.dir}. */
    static Path create() throws IOException {
        return create(Path.of(System.getProperty(PROPERTY, ".")));
    }

    /** A new, empty directory under {@code parent}. */
    static Path create(Path parent) throws IOException {
        return Files.createTempDirectory(parent, "keel-jmh-");
    }

    /**
     * Deletes {@code dir} and all it holds, deepest first. Best effort, as a trial's tear-down
     * should be: a file that cannot be deleted is left behind rather than failing the results.
     */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
