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
    private final long lsn;

    public CorruptLogException(String message, List<Damage> damage) {
        this(message, damage, 0);
    }

    /** @param lsn the record the damage keeps a reader from (0: not one record's) */
    public CorruptLogException(String message, List<Damage> damage, long lsn) {
        super(message);
        this.damage = List.copyOf(damage);
        this.lsn = lsn;
    }

    /** The LSN a reader could not read because of the damage; 0 when the damage is not met by a reader. */
    public long lsn() {
        return lsn;
    }

    /** Each damaged range found, in log order. */
    public List<Damage> damage() {
        return damage;
    }
}
