package dev.keel.recovery;

/** LSNs {@code [firstLsn, lastLsn]}, both included: a gap SKIP_ANY_CORRUPTED_RECORDS left. */
public record LsnRange(long firstLsn, long lastLsn) {
    @Override
    public String toString() {
        return firstLsn == lastLsn ? Long.toString(firstLsn) : firstLsn + ".." + lastLsn;
    }
}
