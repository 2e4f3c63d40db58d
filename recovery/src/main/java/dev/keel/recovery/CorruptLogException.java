package dev.keel.recovery;

import java.io.IOException;
import java.util.List;

/**
 * The log holds damage that the recovery mode does not allow. Nothing was changed on disk: the
 * caller may reopen with another mode, or inspect the log with {@code keel verify}.
 */
public class CorruptLogException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient List<Damage> damage;

    public CorruptLogException(String message, List<Damage> damage) {
        super(message);
        this.damage = List.copyOf(damage);
    }

    /** Each damaged range found, in log order. */
    public List<Damage> damage() {
        return damage;
    }
}
