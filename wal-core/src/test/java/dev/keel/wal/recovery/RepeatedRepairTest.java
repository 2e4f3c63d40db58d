package dev.keel.wal.recovery;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Repair never deletes data silently, not even the second time: a log that is cut, appended to
 * and cut again at the same place (a crash that tears the same slot twice), or that sets aside
 * a segment of the same name twice, keeps every earlier quarantined file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RepeatedRepairTest {
    @TempDir
    static Path templates;
    static TemplateLog template;

    @TempDir
    Path work;

    @BeforeAll
    static void writeTemplate() throws IOException {
        template = TemplateLog.write(templates.resolve("log"), 64 << 10, 200, 1000, 3_000_000);
    }

    @Test
    void aSecondCutAtTheSameOffsetKeepsTheFirstCutsBytes() throws IOException {
        DamageLab lab = new DamageLab(template, work.resolve("log"));
        WalOptions options = template.options(RecoveryMode.TOLERATE_CORRUPTED_TAIL);
        List<byte[]> cutBytes = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            LogSurgery.Frame last = LogSurgery.records(lab.dir).get(199);
            LogSurgery.zero(last.segment(), last.offsetBytes() + FrameDescriptor.HEADER_BYTES + 500, 500);
            cutBytes.add(LogSurgery.readAt(last.segment(), last.offsetBytes(), last.frameBytes()));
            try (Wal wal = Wal.open(lab.dir, options)) {
                assertEquals(199, wal.lastLsn(), wal.recoveryReport().summary());
                assertEquals(200, wal.append(SelfCheckingPayload.create(round, 1000)), "the torn slot is written again");
            }
            LogSurgery.makeCrashed(lab.dir);
        }
        assertEveryBytesKept(lab.dir, cutBytes);
    }

    @Test
    void aSegmentSetAsideTwiceUnderOneNameKeepsBoth() throws Exception {
        DamageLab lab = new DamageLab(template, work.resolve("log"));
        WalOptions options = template.options(RecoveryMode.POINT_IN_TIME);
        List<byte[]> segmentTwos = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            segmentTwos.add(Files.readAllBytes(lab.segment(2)));
            LogSurgery.Frame f = LogSurgery.records(lab.dir).get(29);
            LogSurgery.flip(f.segment(), f.offsetBytes() + FrameDescriptor.HEADER_BYTES + 3);
            try (Wal wal = Wal.open(lab.dir, options)) {
                RecoveryReport report = wal.recoveryReport();
                assertEquals(29, wal.lastLsn(), report.summary());
                for (long lsn = 30; lsn <= 200; lsn++) {
                    wal.append(template.payload(lsn));
                }
            }
            LogSurgery.makeCrashed(lab.dir);
        }
        assertEveryBytesKept(lab.dir, segmentTwos);
    }

    /** Each of {@code expected} is, byte for byte, a file in quarantine. */
    private static void assertEveryBytesKept(Path dir, List<byte[]> expected) throws IOException {
        List<byte[]> kept = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve(SegmentFiles.QUARANTINE_DIR))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                kept.add(Files.readAllBytes(p));
            }
        }
        for (int i = 0; i < expected.size(); i++) {
            byte[] e = expected.get(i);
            assertTrue(kept.stream().anyMatch(k -> Arrays.equals(k, e)), "set-aside copy " + (i + 1) + " of "
                + expected.size() + " is still in quarantine (" + kept.size() + " files there)");
        }
    }
}
