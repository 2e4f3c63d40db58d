package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link Wal#repair}: the recovery {@code Wal.open} runs first, without opening a writer after
 * it. For real it takes the writer's {@link DirectoryLock}, so a log in use is refused (naming the
 * holder's pid) and no writer can start while it runs; as a dry run it takes no lock and changes
 * nothing. A cleanly closed log is left as it is: recovering it for real would consume its
 * {@code keel.clean}, and the next open would scan for nothing.
 */
final class Repair {
    /** As many reads in flight as Wal.open's recovery allows itself. */
    private static final int READS_IN_FLIGHT = 64;

    private Repair() {
    }

    static RecoveredLog run(Path dir, WalOptions options, boolean dryRun) throws IOException {
        if (dir == null || options == null) {
            throw new IllegalArgumentException("dir and options must not be null");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("log directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist")
                + ": nothing to repair");
        }
        SegmentFiles.listOwned(dir); // a foreign directory is refused before keel.lock is created in it
        AioBackend backend = Aio.choose(options.aioBackend());
        try (AioContext ctx = backend.open(AioOptions.defaults().backend(backend).maxInFlight(READS_IN_FLIGHT))) {
            if (dryRun) {
                return new LogRecovery(ctx, options.recoveryMode(), true).recover(dir);
            }
            try (DirectoryLock lock = DirectoryLock.acquire(dir)) {
                if (CleanShutdown.read(dir) != null) {
                    RecoveredLog clean = new LogRecovery(ctx, options.recoveryMode(), true).recover(dir);
                    if (clean.report().cleanShutdown()) {
                        return clean; // checked as a dry run: headers and the COMMIT frame only, marker kept
                    }
                }
                return new LogRecovery(ctx, options.recoveryMode(), false).recover(dir);
            }
        }
    }
}
