package dev.keel.wal;

/**
 * Test access to {@link PlantedBug}, which is package-private in main code so that nothing a
 * user can reach plants a bug: the crash-state explorer's mutation tests (another package) use this.
 */
public final class PlantedBugs {
    private PlantedBugs() {
    }

    /** Plants the bug named (a {@link PlantedBug} constant); runs {@code body}; always removes it. */
    public static void with(String bug, ThrowingRunnable body) throws Exception {
        PlantedBug.plant(PlantedBug.valueOf(bug));
        try {
            body.run();
        } finally {
            PlantedBug.plant(PlantedBug.NONE);
        }
    }

    /** A test body. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
