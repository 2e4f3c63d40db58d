package dev.keel.bench.durability;

import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalReader;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each system of the benchmark really writes what it is timed on, at its durable setting:
 * records appended through its writer are read back, byte for byte, after it is closed, with
 * the system's own reader.
 */
class DurableLogTest {
    private static final int RECORDS = 25;
    private static final int RECORD_BYTES = 300;
    private static final byte[] PAYLOAD = DurableLog.payload(RECORD_BYTES);

    @TempDir
    Path dir;

    private static void appendFromTwoWriters(DurableLog log) throws IOException {
        DurableLog.RecordWriter a = log.writer(RECORD_BYTES);
        DurableLog.RecordWriter b = log.writer(RECORD_BYTES);
        for (int i = 0; i < RECORDS; i++) {
            (i % 2 == 0 ? a : b).appendDurably();
        }
    }

    @Test
    void keelRecordsAreReadBackAfterClose() throws IOException {
        try (KeelLog log = new KeelLog(dir, Durability.FDATASYNC, null)) {
            assertEquals(1, log.wal().durableLsn(), "the first append is made at open, before anything is timed");
            assertTrue(log.firstAppendNs() > 0);
            appendFromTwoWriters(log);
            assertEquals(1 + RECORDS, log.wal().durableLsn());
        }
        try (Wal wal = Wal.open(dir); WalReader r = wal.reader(2)) {
            int n = 0;
            while (r.next()) {
                ByteBuffer p = r.payload();
                byte[] b = new byte[p.remaining()];
                p.get(b);
                assertArrayEquals(PAYLOAD, b, "record " + r.lsn());
                n++;
            }
            assertEquals(RECORDS, n);
        }
    }

    @Test
    void rocksDbSyncsEveryPutAndKeepsEveryRecord() throws Exception {
        try (RocksDbLog log = new RocksDbLog(dir)) {
            assertTrue(log.syncsEveryPut(), "WriteOptions sync=true and the WAL on");
            appendFromTwoWriters(log);
        }
        try (Options o = new Options(); RocksDB db = RocksDB.openReadOnly(o, dir.toString()); RocksIterator it = db.newIterator()) {
            int n = 0;
            for (it.seekToFirst(); it.isValid(); it.next()) {
                assertArrayEquals(PAYLOAD, it.value());
                n++;
            }
            assertEquals(RECORDS, n, "distinct keys, one per record");
        }
    }

    @Test
    void chronicleQueueSyncsAndKeepsEveryRecord() {
        try (ChronicleQueueLog log = new ChronicleQueueLog(dir)) {
            assertEquals(SyncMode.SYNC, log.syncMode());
            appendFromTwoWriters(log);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        try (ChronicleQueue q = ChronicleQueue.singleBuilder(dir.toFile()).readOnly(true).build()) {
            ExcerptTailer tailer = q.createTailer();
            Bytes<?> b = Bytes.allocateElasticDirect(RECORD_BYTES);
            int n = 0;
            while (tailer.readBytes(b)) {
                assertArrayEquals(PAYLOAD, b.toByteArray());
                b.clear();
                n++;
            }
            assertEquals(RECORDS, n);
            b.releaseLast();
        }
    }

    @Test
    void fileChannelForcesAfterEveryRecord() throws IOException {
        try (FileChannelLog log = new FileChannelLog(dir)) {
            appendFromTwoWriters(log);
            assertEquals(RECORDS, log.forces());
        }
        byte[] file = Files.readAllBytes(dir.resolve("log.dat"));
        assertEquals(RECORDS * RECORD_BYTES, file.length);
        for (int i = 0; i < RECORDS; i++) {
            assertArrayEquals(PAYLOAD, Arrays.copyOfRange(file, i * RECORD_BYTES, (i + 1) * RECORD_BYTES), "record " + i);
        }
    }

    @Test
    void artemisJournalsSyncAndKeepEveryRecord() throws Exception {
        for (String kind : ArtemisJournalLog.KINDS) {
            String why = ArtemisJournalLog.unavailable(kind);
            if (why != null) {
                // .ci/run installs libaio1, so CI runs every factory; where it is missing the bench row says why, as here.
                assertTrue(why.contains("apt-get install libaio1") || why.contains("carries no"), why);
                continue;
            }
            Path own = Files.createDirectories(dir.resolve(kind));
            try (DurableLog log = ArtemisJournalLog.open(own, kind, ArtemisJournalLog.DEFAULT_TIMEOUT_AIO_NS)) {
                assertEquals("artemis-" + kind.toLowerCase(java.util.Locale.ROOT), log.system());
                assertEquals(true, log.getClass().getMethod("syncs").invoke(log), kind + " syncs every append");
                assertTrue(log.guarantee().startsWith("on disk"), log.guarantee());
                appendFromTwoWriters(log);
            }
            try (DurableLog reopened = ArtemisJournalLog.open(own, kind, ArtemisJournalLog.DEFAULT_TIMEOUT_AIO_NS)) {
                assertEquals(RECORDS, reopened.getClass().getMethod("recordsLoaded").invoke(reopened), kind + " kept every record");
            }
        }
    }

    @Test
    void rawLimitWritesInPlaceIntoItsZeroFilledFileRoundAfterRound() throws IOException {
        int writeBytes = 4096;
        try (RawLimitLog log = new RawLimitLog(dir)) {
            for (int i = 0; i < RECORDS; i++) {
                // A new writer per few records, as interleaved rounds ask: each continues where the last stopped.
                DurableLog.RecordWriter w = log.writer(writeBytes);
                w.appendDurably();
            }
            assertThrows(IllegalStateException.class, () -> log.writer(writeBytes * 2), "one write size per file");
        }
        byte[] file = Files.readAllBytes(dir.resolve("raw-limit.dat"));
        assertEquals(RawSyncFile.FILE_BYTES, file.length, "preallocated, never extended");
        byte[] expected = DurableLog.payload(writeBytes);
        for (int i = 0; i < RECORDS; i++) {
            assertArrayEquals(expected, Arrays.copyOfRange(file, i * writeBytes, (i + 1) * writeBytes), "write " + i);
        }
        for (int i = RECORDS * writeBytes; i < file.length; i += 4096) {
            assertEquals(0, file[i], "zeros past the last write, at " + i);
        }
    }
}
