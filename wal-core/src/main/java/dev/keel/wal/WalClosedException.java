package dev.keel.wal;

/** The log was closed; open it again to use it. */
public class WalClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public WalClosedException(String message) {
        super(message);
    }
}
