package dev.keel.tools;

import dev.keel.wal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DumpCommandTest {
    private static final Pattern JSONL = Pattern.compile("\\{\"lsn\":(\\d+),\"segment\":1,\"file\":\"wal-0{19}1\\.seg\","
        + "\"offset\":(\\d+),\"length\":100,\"crc_valid\":(true|false),\"payload\":\"([A-Za-z0-9+/=]*)\"}");

    @TempDir
    Path dir;

    @Test
    void textPrintsEveryRecordInOrderWithAPreviewAndChangesNothing() throws IOException {
        TestLogs.clean(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        Cli.Result r = Cli.expect(0, "dump", dir.toString());
        String[] lines = r.out().split("\n");
        assertEquals(TestLogs.RECORDS, lines.length, r.out());
        for (int i = 0; i < lines.length; i++) {
            long lsn = i + 1;
            assertTrue(lines[i].startsWith("lsn: " + lsn + " segment: 1 offset: " + TestLogs.frameOffset(lsn)
                + " length: 100 crc: valid payload: \"record " + lsn + "."), lines[i]);
            assertTrue(lines[i].endsWith("(+36 bytes)"), "64 bytes shown by default: " + lines[i]);
        }
        assertEquals("", r.err());
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void fromAndLimitSelectRecords() throws IOException {
        TestLogs.clean(dir);
        String[] lines = Cli.expect(0, "dump", dir.toString(), "--from", "50", "--limit", "3", "--preview-bytes", "9").out()
            .split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("lsn: 50 ") && lines[2].startsWith("lsn: 52 "), String.join("\n", lines));
        assertTrue(lines[0].endsWith("payload: \"record 50\" ... (+91 bytes)"), lines[0]);
    }

    @Test
    void jsonlCarriesThePayloadInBase64() throws IOException {
        TestLogs.clean(dir);
        String[] lines = Cli.expect(0, "dump", dir.toString(), "--format", "jsonl", "--from", "98").out().split("\n");
        assertEquals(3, lines.length);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = JSONL.matcher(lines[i]);
            assertTrue(m.matches(), lines[i]);
            long lsn = 98 + i;
            assertEquals(lsn, Long.parseLong(m.group(1)));
            assertEquals(TestLogs.frameOffset(lsn), Long.parseLong(m.group(2)));
            assertEquals("true", m.group(3));
            assertArrayEquals(TestLogs.payload(lsn), Base64.getDecoder().decode(m.group(4)));
        }
    }

    @Test
    void hexDumpsTheWholePayload() throws IOException {
        TestLogs.clean(dir);
        String out = Cli.expect(0, "dump", dir.toString(), "--format", "hex", "--from", "7", "--limit", "1").out();
        assertTrue(out.startsWith("lsn: 7 segment: 1 offset: " + TestLogs.frameOffset(7) + " length: 100 crc: valid\n"), out);
        assertTrue(out.contains("00000000  72 65 63 6f 72 64 20 37  2e 2e 2e 2e 2e 2e 2e 2e  |record 7........|"), out);
        assertTrue(out.contains("00000060  2e 2e 2e 2e "), out);
        assertTrue(out.contains("\n00000064\n"), "the length as a last offset line: " + out);
    }

    @Test
    void aTornTailEndsTheDumpWhereTheReaderEndsWithANoteOnStderr() throws IOException {
        TestLogs.tornTail(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        Cli.Result r = Cli.expect(0, "dump", dir.toString(), "--format", "jsonl", "--from", "99");
        String[] lines = r.out().split("\n");
        assertEquals(1, lines.length, "LSN 99, the last record a reader of Wal.open returns: " + r);
        Matcher last = JSONL.matcher(lines[0]);
        assertTrue(last.matches(), lines[0]);
        assertEquals("99", last.group(1));
        assertTrue(r.err().contains("keel dump: stopped at LSN 99: after it, a torn tail"), r.err());
        assertTrue(r.err().contains("wal-00000000000000000001.seg @" + TestLogs.frameOffset(100)), r.err());
        assertTrue(r.err().contains("TORN_PAYLOAD"), r.err());
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void damageWithDurableRecordsAfterItStopsTheDumpWithExit1() throws IOException {
        TestLogs.corruptedAt(dir, 50);
        Cli.Result r = Cli.expect(1, "dump", dir.toString());
        String[] lines = r.out().split("\n");
        assertEquals(49, lines.length, r.toString());
        assertTrue(lines[48].startsWith("lsn: 49 ") && lines[48].contains("crc: valid"), lines[48]);
        assertTrue(r.err().contains("refuses this log (CorruptLogException): wal-00000000000000000001.seg @"
            + TestLogs.frameOffset(50)), r.err());
        assertTrue(r.err().contains("BAD_CRC") && r.err().contains("keel verify"), r.err());
        // SKIP_ANY_CORRUPTED_RECORDS opens it: the dump then prints what its reader returns, LSN 50 skipped.
        Cli.Result skip = Cli.expect(1, "dump", dir.toString(), "--mode", "skip-any-corrupted-records");
        String[] skipped = skip.out().split("\n");
        assertEquals(TestLogs.RECORDS - 1, skipped.length, skip.toString());
        assertTrue(skipped[49].startsWith("lsn: 51 "), skipped[49]);
        assertTrue(skip.err().contains("skips"), skip.err());
    }

    @Test
    void aLiveLogOfSeveralSegmentsIsDumpedWithoutItsLock() throws IOException {
        byte[] big = new byte[1000];
        try (Wal wal = Wal.open(dir, TestLogs.options().segmentBytes(64 << 10))) {
            for (int i = 1; i <= 150; i++) {
                big[0] = (byte) i;
                wal.append(big);
            }
            String[] all = Cli.expect(0, "dump", dir.toString(), "--preview-bytes", "1").out().split("\n");
            assertEquals(150, all.length);
            for (int i = 0; i < all.length; i++) {
                assertTrue(all[i].startsWith("lsn: " + (i + 1) + " "), all[i]);
            }
            assertTrue(all[149].contains(" segment: 3 "), "150 records of 1000 bytes fill 64 KiB segments 1 to 3: " + all[149]);
            String[] some = Cli.expect(0, "dump", dir.toString(), "--from", "120", "--limit", "2").out().split("\n");
            assertTrue(some[0].startsWith("lsn: 120 ") && some[1].startsWith("lsn: 121 "), String.join("\n", some));
            assertEquals(151, wal.append(big), "the writer is undisturbed");
        }
    }

    @Test
    void nothingAtOrAfterFromIsSaidOnStderr() throws IOException {
        TestLogs.clean(dir);
        Cli.Result r = Cli.expect(0, "dump", dir.toString(), "--from", "500");
        assertEquals("", r.out());
        assertTrue(r.err().contains("keel dump: no records at or after LSN 500"), r.err());
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheValue() throws IOException {
        TestLogs.clean(dir);
        assertTrue(Cli.expect(2, "dump", dir.toString(), "--from", "0").err().contains("--from=0 must be >= 1"));
        assertTrue(Cli.expect(2, "dump", dir.toString(), "--limit", "0").err().contains("--limit=0 must be >= 1"));
        String err = Cli.expect(2, "dump", dir.toString(), "--format", "xml").err();
        assertTrue(err.contains("TEXT, JSONL, HEX") && err.contains("'xml'"), err);
        assertTrue(new String(Cli.expect(0, "dump", "--help").out().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
            .contains("Examples:"));
    }
}
