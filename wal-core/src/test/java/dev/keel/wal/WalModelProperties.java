package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of append, sync, truncateBefore, truncateAfter, close-and-reopen and
 * crash-and-reopen against a model that is just a list of payloads. After every step the log
 * and the model agree on the last LSN and on every record the log still holds.
 */
class WalModelProperties {
    enum Op { APPEND, APPEND_BIG, SYNC, TRUNCATE_BEFORE, TRUNCATE_AFTER, REOPEN, CRASH_REOPEN }

    record Step(Op op, int arg) {
    }

    @Provide
    Arbitrary<Step> steps() {
        Arbitrary<Op> ops = Arbitraries.frequency(
            net.jqwik.api.Tuple.of(40, Op.APPEND),
            net.jqwik.api.Tuple.of(8, Op.APPEND_BIG),
            net.jqwik.api.Tuple.of(5, Op.SYNC),
            net.jqwik.api.Tuple.of(4, Op.TRUNCATE_BEFORE),
            net.jqwik.api.Tuple.of(4, Op.TRUNCATE_AFTER),
            net.jqwik.api.Tuple.of(3, Op.REOPEN),
            net.jqwik.api.Tuple.of(3, Op.CRASH_REOPEN));
        return Combinators.combine(ops, Arbitraries.integers().between(0, 1_000_000)).as(Step::new);
    }

    static WalOptions opts() {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(20_000);
    }

    @Property(tries = 25)
    void theLogAgreesWithTheModel(@ForAll @Size(min = 1, max = 60) List<@net.jqwik.api.From("steps") Step> steps)
        throws IOException {
        Path dir = Files.createTempDirectory("keel-prop-");
        List<byte[]> model = new ArrayList<>();
        long firstKept = 1;
        Wal wal = Wal.open(dir, opts());
        try {
            for (Step s : steps) {
                switch (s.op()) {
                    case APPEND, APPEND_BIG -> {
                        byte[] p = WalBasicsTest.payload(s.arg(), s.op() == Op.APPEND ? s.arg() % 200 : 10_000 + s.arg() % 10_000);
                        assertEquals(model.size() + 1, wal.append(p));
                        model.add(p);
                    }
                    case SYNC -> wal.sync();
                    case TRUNCATE_BEFORE -> {
                        long lsn = 1 + s.arg() % (model.size() + 1);
                        wal.truncateBefore(lsn);
                        firstKept = Math.max(firstKept, 1);
                    }
                    case TRUNCATE_AFTER -> {
                        long low = Math.max(0, Math.max(firstKept, wal.firstLsn()) - 1);
                        long lsn = low + s.arg() % (model.size() - low + 1);
                        wal.truncateAfter(lsn);
                        model.subList((int) lsn, model.size()).clear();
                    }
                    case REOPEN -> {
                        wal.close();
                        wal = Wal.open(dir, opts());
                        assertTrue(wal.recoveryReport().cleanShutdown(), wal.recoveryReport().summary());
                    }
                    case CRASH_REOPEN -> {
                        wal.close();
                        Files.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE));
                        wal = Wal.open(dir, opts());
                        assertFalse(wal.recoveryReport().cleanShutdown());
                    }
                }
                check(wal, model);
            }
        } finally {
            wal.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void check(Wal wal, List<byte[]> model) throws IOException {
        assertEquals(model.size(), wal.lastLsn(), "last LSN");
        if (model.isEmpty()) {
            return;
        }
        long first = Math.max(1, wal.firstLsn());
        assertTrue(first <= model.size() + 1);
        try (WalReader r = wal.reader(first)) {
            for (long lsn = first; lsn <= model.size(); lsn++) {
                assertTrue(r.next(), "record " + lsn + " of " + model.size());
                assertEquals(lsn, r.lsn());
                assertArrayEquals(model.get((int) lsn - 1), WalBasicsTest.bytes(r.payload()), "payload of " + lsn);
            }
            assertFalse(r.next(), "no record after the last");
        }
    }
}
