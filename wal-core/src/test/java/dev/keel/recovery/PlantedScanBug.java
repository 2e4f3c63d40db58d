package dev.keel.recovery;

import dev.keel.wal.PlantedBugs;

/** Test access to {@link LogScanner#plantedHoleIsCorruption} (package-private in main code). */
public final class PlantedScanBug {
    private PlantedScanBug() {
    }

    /** Runs {@code body} with recovery taking a hole before a later batch for mid-log corruption. */
    public static void holeIsCorruption(PlantedBugs.ThrowingRunnable body) throws Exception {
        LogScanner.plantedHoleIsCorruption = true;
        try {
            body.run();
        } finally {
            LogScanner.plantedHoleIsCorruption = false;
        }
    }
}
