package dev.keel.bench.durability;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClosedLoopTest {
    /** A system whose appends take about {@code appendMs} and count themselves. */
    private static final class SleepingLog implements DurableLog {
        final AtomicLong appends = new AtomicLong();
        final long appendMs;
        final boolean fail;

        SleepingLog(long appendMs, boolean fail) {
            this.appendMs = appendMs;
            this.fail = fail;
        }

        @Override
        public String system() {
            return "sleeping";
        }

        @Override
        public String guarantee() {
            return "nothing";
        }

        @Override
        public String durabilityNote() {
            return "sleeps";
        }

        @Override
        public RecordWriter writer(int recordBytes) {
            return () -> {
                if (fail) {
                    throw new IOException("disk on fire");
                }
                try {
                    Thread.sleep(appendMs);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                appends.incrementAndGet();
            };
        }

        @Override
        public void close() {
        }
    }

    @Test
    void countsOnlyWhatCompletesInsideTheWindowAndTimesEachRecord() throws IOException {
        SleepingLog log = new SleepingLog(2, false);
        long windowNs = 200_000_000L;
        Measurement m = new ClosedLoop(100_000_000L, windowNs).run(log, 4, 512);
        assertTrue(m.records() > 0 && m.records() < log.appends.get(), "window " + m.records() + " of " + log.appends.get());
        assertEquals(m.records(), m.latencyNs().getTotalCount(), "one latency per counted record");
        assertTrue(m.latencyUs(50) >= 2000, "each append sleeps 2 ms: " + m.latencyUs(50));
        // Four writers, each at most one record per 2 ms.
        assertTrue(m.recordsPerSec() <= 4 * 500 * 1.05, "records/s " + m.recordsPerSec());
        assertEquals(m.recordsPerSec() * 512 / 1e6, m.mbPerSec(), 1e-9);
        assertTrue(m.processCpuNs() >= 0, "process CPU read: " + m.processCpuNs());
        assertEquals(m.records(), m.samples());
    }

    @Test
    void aFailingWriterFailsTheCaseNamingTheSystem() {
        IOException e = assertThrows(IOException.class, () -> new ClosedLoop(0, 10_000_000L).run(new SleepingLog(0, true), 2, 8));
        assertTrue(e.getMessage().contains("sleeping") && e.getMessage().contains("disk on fire"), e.getMessage());
    }
}
