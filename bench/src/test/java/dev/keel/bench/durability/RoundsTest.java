package dev.keel.bench.durability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundsTest {
    @TempDir
    Path dir;

    /** A system that notes when a round asks it for a writer, and when it is opened and closed. */
    private static final class NotingLog implements DurableLog {
        private final String name;
        private final List<String> events;

        NotingLog(String name, List<String> events, Path own) {
            this.name = name;
            this.events = events;
            assertTrue(Files.isDirectory(own), "each system opens in a directory of its own: " + own);
            events.add("open " + name);
        }

        @Override
        public String system() {
            return name;
        }

        @Override
        public String guarantee() {
            return "nothing";
        }

        @Override
        public String durabilityNote() {
            return "notes";
        }

        @Override
        public RecordWriter writer(int recordBytes) {
            events.add(name);
            return () -> Thread.onSpinWait();
        }

        @Override
        public void close() {
            events.add("close " + name);
        }
    }

    @Test
    void everySystemIsOpenedOnceThenMeasuredInTurnRoundAfterRoundThenClosed() throws IOException {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        BenchSettings settings = new BenchSettings(dir, 1_000_000L, 3_000_000L, true, 64 << 20, List.of("threads"), "threads", 3);
        BenchRun run = new BenchRun(settings, new ResultTable(new PrintStream(new ByteArrayOutputStream()), progress()), progress());
        List<Rounds.Entrant> entrants = List.of(
            new Rounds.Entrant("a", null, null, d -> new NotingLog("A", events, d)),
            new Rounds.Entrant("b", null, null, d -> new NotingLog("B", events, d)));
        Rounds.Result r = Rounds.closedLoop(run, "test", entrants, 1, 64);
        assertEquals(List.of("open A", "open B", "A", "B", "A", "B", "A", "B", "close A", "close B"), events);
        assertEquals(3, r.rounds());
        assertEquals(List.of("A", "B"), r.systems());
        assertEquals(3 * (settings.windowNs() / 3), r.total(0).windowNs(), "the rounds share the case's window");
        CaseResult row = Rounds.row(r, 1, CaseResult.SCALING, 1, 64);
        assertEquals("B", row.system());
        assertEquals(3, row.rounds());
        assertEquals("nothing", row.guarantee());
        try (var left = Files.list(dir)) {
            assertFalse(left.findAny().isPresent(), "the case directory is removed");
        }
    }

    @Test
    void aRatioIsTakenWithinEachRoundAndTheMedianDecides() {
        // Round 2's disk was twice as fast for both: the within-round ratio does not care.
        List<List<Measurement>> byEntrant = List.of(
            List.of(rate(1_000), rate(2_000), rate(1_000)),
            List.of(rate(900), rate(1_900), rate(300)));
        Rounds.Result r = new Rounds.Result(List.of(), byEntrant, List.of("ref", "x"), List.of("-", "-"), List.of("", ""));
        Spread s = r.ratio(1, rates -> rates[0]);
        assertEquals(0.9, s.median(), 1e-12);
        assertEquals(0.3, s.min(), 1e-12);
        assertEquals(0.95, s.max(), 1e-12);
        assertEquals(4_000, r.total(0).records());
        assertEquals(3_000_000_000L, r.total(0).windowNs());
        List<List<Measurement>> noReference = List.of(List.of(rate(0)), List.of(rate(5)));
        assertNull(new Rounds.Result(List.of(), noReference, List.of(), List.of(), List.of()).ratio(1, rates -> rates[0]));
    }

    /** A one-second round that completed {@code records}. */
    private static Measurement rate(long records) {
        return new Measurement(records, 128, 1_000_000_000L, Measurement.newHistogram(), 0);
    }

    private static Progress progress() {
        return new Progress(new PrintStream(new ByteArrayOutputStream()), false);
    }
}
