package dev.keel.tools;

import dev.keel.recovery.RecoveryMode;
import picocli.CommandLine.Option;

/**
 * The {@code --mode} of the tools that report what {@code Wal.open} would do (verify, dump), as one
 * picocli mixin: which recovery mode's open to follow, by default Wal.open's own, so the tools and
 * the library cannot drift apart on it. {@code keel recover} has its own, required {@code --mode}:
 * it changes the log, so nobody should get a mode they did not choose.
 */
final class WalOpenModeOption {
    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "TOLERATE_CORRUPTED_TAIL",
        converter = RecoveryModeConverter.class,
        description = "Recovery mode of the Wal.open to follow (its verdict, what its readers return): "
            + "${COMPLETION-CANDIDATES} (any case, '-' for '_'; default: ${DEFAULT-VALUE}, Wal.open's default).")
    RecoveryMode mode;
}
