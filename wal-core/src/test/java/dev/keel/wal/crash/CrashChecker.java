package dev.keel.wal.crash;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Opens one crash state in each recovery mode and checks what the log promised:
 * <ul>
 *   <li>every acknowledged record is there with identical bytes (durable modes; not those a
 *       truncation the workload ran had removed);</li>
 *   <li>LSNs are dense from the first to the last record;</li>
 *   <li>no record appears that was never appended, nor one a finished truncateAfter removed, nor
 *       a stale frame from a preallocated or earlier segment (any of those fails the payload's
 *       proof or its key);</li>
 *   <li>TOLERATE_CORRUPTED_TAIL, POINT_IN_TIME and SKIP_ANY_CORRUPTED_RECORDS open every state
 *       (refusing a log an ordinary power cut left is a bug);</li>
 *   <li>ABSOLUTE_CONSISTENCY refuses exactly where the decision table says: where the tolerant
 *       open found damage (every finding a crash leaves is at the tail: THROW), and opens with
 *       the same records where it found none;</li>
 *   <li>NONE: whatever opens is a consistent prefix (the checks above without the acknowledgements).</li>
 * </ul>
 */
final class CrashChecker {
    private final WalOptions options;
    private final Path scratch;
    private int dirs;

    /** @param options the workload's options with the real backend (the state is opened as a user would) */
    CrashChecker(WalOptions options, Path scratch) {
        this.options = options;
        this.scratch = scratch;
    }

    /** The records a state must hold, may hold, and must not hold, at its crash point. */
    record Expectation(Map<Long, Long> requiredKeyByLsn, Map<Long, Long> ackedLsnByKey, java.util.Set<Long> forbiddenKeys,
                       long crashAt) {
        static Expectation of(History history, long crashAt, boolean durable) {
            Map<Long, Long> required = new HashMap<>();
            Map<Long, Long> lsnByKey = new HashMap<>();
            java.util.Set<Long> forbidden = new java.util.HashSet<>();
            List<History.Truncation> truncations = history.truncations();
            for (History.Ack a : history.acks()) {
                if (a.ackedAt() >= crashAt) {
                    continue;
                }
                lsnByKey.put(a.key(), a.lsn());
                boolean released = false;
                for (History.Truncation t : truncations) {
                    if (t.cut().covers(a.lsn(), t.lsn()) && t.startedAt() > a.ackedAt() && t.startedAt() < crashAt) {
                        released = true;
                        if (t.cut().forGood && t.endedAt() < crashAt) {
                            forbidden.add(a.key()); // removed for good before the crash: must not come back
                        }
                    }
                }
                if (durable && !released) {
                    required.put(a.lsn(), a.key());
                }
            }
            return new Expectation(required, lsnByKey, forbidden, crashAt);
        }
    }

    /** Opens the state in {@code mode}; returns the problems found (empty when it kept every promise). */
    List<String> check(CrashState state, Expectation expect, RecoveryMode mode, History history,
                       RecoveryReport tolerantReport, List<Long> tolerantLsns) throws IOException {
        Path dir = scratch.resolve("s" + (dirs++));
        state.materialize(dir);
        List<String> problems = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options.recoveryMode(mode))) {
            List<Long> lsns = readAll(wal, expect, history, problems, mode);
            if (mode == RecoveryMode.ABSOLUTE_CONSISTENCY && tolerantReport != null) {
                if (!tolerantReport.damage().isEmpty()) {
                    problems.add("ABSOLUTE_CONSISTENCY opened a state in which TOLERATE_CORRUPTED_TAIL found damage "
                        + tolerantReport.damage());
                } else if (!lsns.equals(tolerantLsns)) {
                    problems.add("ABSOLUTE_CONSISTENCY recovered LSNs " + range(lsns) + ", TOLERATE_CORRUPTED_TAIL " + range(tolerantLsns));
                }
            }
            if (mode == RecoveryMode.TOLERATE_CORRUPTED_TAIL) {
                lastReport = wal.recoveryReport();
                lastLsns = lsns;
            }
        } catch (CorruptLogException e) {
            if (mode != RecoveryMode.ABSOLUTE_CONSISTENCY) {
                problems.add(mode + " refused to open a state a power cut can leave: " + e.getMessage());
            } else if (tolerantReport != null && tolerantReport.damage().isEmpty()) {
                problems.add("ABSOLUTE_CONSISTENCY refused a state in which TOLERATE_CORRUPTED_TAIL found no damage: " + e.getMessage());
            }
        } catch (IOException e) {
            // Not a verdict on damage (a file it does not own, a head it cannot read): no mode may refuse a crash this way.
            problems.add(mode + " refused to open a state a power cut can leave (" + e.getClass().getSimpleName() + "): "
                + e.getMessage());
        } finally {
            delete(dir);
        }
        return problems;
    }

    RecoveryReport lastReport;
    List<Long> lastLsns = List.of();

    private static String range(List<Long> lsns) {
        return lsns.isEmpty() ? "none" : lsns.get(0) + ".." + lsns.get(lsns.size() - 1) + " (" + lsns.size() + ")";
    }

    private List<Long> readAll(Wal wal, Expectation expect, History history, List<String> problems, RecoveryMode mode)
        throws IOException {
        List<Long> lsns = new ArrayList<>();
        // An empty log whose head moved (truncateBefore) starts past its last LSN: read from last + 1 then.
        long first = wal.firstLsn() == 0 ? wal.lastLsn() + 1 : wal.firstLsn();
        try (WalReader r = wal.reader(first)) {
            while (r.next()) {
                long lsn = r.lsn();
                if (!lsns.isEmpty() && lsn != lsns.get(lsns.size() - 1) + 1) {
                    problems.add(mode + ": LSNs not dense: " + lsns.get(lsns.size() - 1) + " then " + lsn);
                }
                lsns.add(lsn);
                ByteBuffer p = r.payload();
                byte[] bytes = new byte[p.remaining()];
                p.get(bytes);
                checkRecord(lsn, bytes, expect, history, problems, mode);
            }
        }
        if (wal.lastLsn() != (lsns.isEmpty() ? wal.lastLsn() : lsns.get(lsns.size() - 1))) {
            problems.add(mode + ": the log's last LSN is " + wal.lastLsn() + " but its records end at " + range(lsns));
        }
        for (Map.Entry<Long, Long> e : expect.requiredKeyByLsn().entrySet()) {
            if (!lsns.contains(e.getKey())) {
                problems.add(mode + ": acknowledged LSN " + e.getKey() + " is missing (recovered " + range(lsns) + ")");
            }
        }
        return lsns;
    }

    private static void checkRecord(long lsn, byte[] bytes, Expectation expect, History history, List<String> problems,
                                     RecoveryMode mode) {
        long key = History.keyOf(bytes);
        if (key < 0) {
            problems.add(mode + ": LSN " + lsn + " holds " + bytes.length + " bytes that no append wrote");
            return;
        }
        if (history.submittedAt(key) >= expect.crashAt()) {
            problems.add(mode + ": LSN " + lsn + " holds the payload of key " + key + ", appended only after the crash point");
        }
        Long required = expect.requiredKeyByLsn().get(lsn);
        if (required != null && required != key) {
            problems.add(mode + ": acknowledged LSN " + lsn + " holds key " + key + " instead of " + required);
        }
        Long acked = expect.ackedLsnByKey().get(key);
        if (acked != null && acked != lsn && Long.valueOf(key).equals(expect.requiredKeyByLsn().get(acked))) {
            problems.add(mode + ": key " + key + " was acknowledged as LSN " + acked + " but came back as LSN " + lsn);
        }
        if (expect.forbiddenKeys().contains(key)) {
            problems.add(mode + ": LSN " + lsn + " holds key " + key + ", which a finished truncation had removed for good");
        }
    }

    static boolean durable(Durability d) {
        return d != Durability.NONE;
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
