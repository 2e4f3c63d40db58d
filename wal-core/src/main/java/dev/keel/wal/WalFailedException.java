package dev.keel.wal;

import java.io.IOException;

/**
 * The log failed stop: a write or sync failed, so nothing after it is acknowledged and nothing
 * is retried (after a failed fsync the kernel may have dropped the dirty pages; a retry that
 * succeeds would lie). Close the log and reopen it: recovery reads what is really on disk.
 */
public class WalFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    public WalFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
