package dev.keel.jraft;

import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LogStorage's contract, written from its javadoc and RocksDBLogStorage's behaviour, run against
 * KeelLogStorage and RocksDBLogStorage (one subclass each) so that both are shown to agree.
 * Every "restart" shuts the storage down and opens a new one on the same directory.
 */
abstract class LogStorageContract {
    @TempDir
    Path dir;
    LogStorage storage;
    ConfigurationManager confManager;

    abstract LogStorage create(String path);

    /** Large entries: 16 KiB each, this many in CI; {@code -Dkeel.jraft.largeEntries=100000} for the full size. */
    static final int LARGE_ENTRIES = Integer.getInteger("keel.jraft.largeEntries", 2_000);

    LogStorage open() {
        confManager = new ConfigurationManager();
        LogStorageOptions opts = new LogStorageOptions();
        opts.setConfigurationManager(confManager);
        opts.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
        opts.setGroupId("contract"); // RocksDBLogStorage runs its background prefix deletion in a pool per group
        storage = create(dir.resolve("log").toString());
        assertTrue(storage.init(opts), "init");
        return storage;
    }

    void restart() {
        storage.shutdown();
        open();
    }

    @AfterEach
    void close() {
        if (storage != null) {
            storage.shutdown();
        }
    }

    static LogEntry data(long index, long term, int bytes) {
        LogEntry e = new LogEntry(EntryType.ENTRY_TYPE_DATA);
        e.setId(new LogId(index, term));
        byte[] b = new byte[bytes];
        new SplittableRandom(index * 31 + term).nextBytes(b);
        e.setData(ByteBuffer.wrap(b));
        e.setChecksum(e.checksum());
        return e;
    }

    static LogEntry conf(long index, long term, String... peers) {
        LogEntry e = new LogEntry(EntryType.ENTRY_TYPE_CONFIGURATION);
        e.setId(new LogId(index, term));
        List<PeerId> p = new ArrayList<>();
        for (String s : peers) {
            p.add(PeerId.parsePeer(s));
        }
        e.setPeers(p);
        e.setOldPeers(List.of(PeerId.parsePeer("127.0.0.1:9999")));
        e.setLearners(List.of(PeerId.parsePeer("127.0.0.1:7777")));
        return e;
    }

    void appendRange(long from, long to, long term, int bytes, int batch) {
        for (long i = from; i <= to; i += batch) {
            List<LogEntry> list = new ArrayList<>();
            for (long j = i; j <= Math.min(to, i + batch - 1); j++) {
                list.add(data(j, term, bytes));
            }
            assertEquals(list.size(), storage.appendEntries(list), "appendEntries returns how many it appended");
        }
    }

    void assertEntry(LogEntry expected) {
        LogEntry got = storage.getEntry(expected.getId().getIndex());
        assertNotNull(got, "entry " + expected.getId());
        assertEquals(expected, got, "entry " + expected.getId());
        assertEquals(expected.getChecksum(), got.getChecksum(), "checksum of " + expected.getId());
        assertEquals(expected.getId().getTerm(), storage.getTerm(expected.getId().getIndex()));
    }

    @Test
    void emptyState() {
        open();
        assertEquals(1, storage.getFirstLogIndex());
        assertEquals(0, storage.getLastLogIndex());
        assertNull(storage.getEntry(1));
        assertEquals(0, storage.getTerm(1));
        restart();
        assertEquals(1, storage.getFirstLogIndex());
        assertEquals(0, storage.getLastLogIndex());
    }

    @Test
    void oneEntry() {
        open();
        LogEntry e = data(1, 1, 100);
        assertTrue(storage.appendEntry(e));
        assertEquals(1, storage.getFirstLogIndex());
        assertEquals(1, storage.getLastLogIndex());
        assertEntry(e);
        assertNull(storage.getEntry(2));
        assertEquals(0, storage.getTerm(2));
        assertNull(storage.getEntry(0));
        restart();
        assertEntry(e);
    }

    @Test
    void manyEntriesInBatches() {
        open();
        appendRange(1, 1000, 3, 200, 64);
        assertEquals(1, storage.getFirstLogIndex());
        assertEquals(1000, storage.getLastLogIndex());
        for (long i = 1000; i >= 1; i--) {
            assertEntry(data(i, 3, 200));
        }
        restart();
        for (long i = 1; i <= 1000; i += 13) {
            assertEntry(data(i, 3, 200));
        }
        appendRange(1001, 1010, 4, 10, 5);
        assertEntry(data(1005, 4, 10));
    }

    @Test
    void largeEntries() {
        open();
        appendRange(1, LARGE_ENTRIES, 1, 16 << 10, 16);
        assertEquals(LARGE_ENTRIES, storage.getLastLogIndex());
        for (long i = 1; i <= LARGE_ENTRIES; i += Math.max(1, LARGE_ENTRIES / 200)) {
            assertEntry(data(i, 1, 16 << 10));
        }
        restart();
        assertEntry(data(LARGE_ENTRIES, 1, 16 << 10));
        assertEntry(data(1, 1, 16 << 10));
    }

    @Test
    void nonContiguousIndexes() {
        open();
        LogEntry a = data(100, 1, 50);
        LogEntry b = data(200, 1, 50);
        assertTrue(storage.appendEntry(a));
        assertEquals(100, storage.getFirstLogIndex());
        assertEquals(100, storage.getLastLogIndex());
        assertTrue(storage.appendEntry(b));
        assertEquals(100, storage.getFirstLogIndex());
        assertEquals(200, storage.getLastLogIndex());
        assertEntry(a);
        assertEntry(b);
        assertNull(storage.getEntry(150));
        assertEquals(0, storage.getTerm(150));
        restart();
        assertEntry(a);
        assertEntry(b);
        assertNull(storage.getEntry(199));
    }

    @Test
    void configurationEntriesReloadAfterRestart() {
        open();
        appendRange(1, 10, 1, 30, 10);
        LogEntry c1 = conf(11, 1, "127.0.0.1:8081", "127.0.0.1:8082");
        assertTrue(storage.appendEntry(c1));
        appendRange(12, 20, 2, 30, 3);
        LogEntry c2 = conf(21, 2, "127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083");
        assertEquals(2, storage.appendEntries(List.of(c2, data(22, 2, 30))));
        restart();
        ConfigurationEntry last = confManager.getLastConfiguration();
        assertEquals(new LogId(21, 2), last.getId());
        assertEquals(3, last.getConf().getPeers().size());
        assertEquals(1, last.getConf().getLearners().size());
        assertEquals(List.of(PeerId.parsePeer("127.0.0.1:9999")), last.getOldConf().getPeers());
        assertEquals(new LogId(11, 1), confManager.get(20).getId(), "the earlier configuration is there too");
        assertEntry(c1);
        assertEntry(c2);
    }

    @Test
    void truncatePrefixAtAnyIndexThenRestart() {
        open();
        appendRange(1, 300, 1, 100, 50);
        assertTrue(storage.truncatePrefix(137));
        assertEquals(137, storage.getFirstLogIndex());
        assertNull(storage.getEntry(136));
        assertEntry(data(137, 1, 100));
        restart();
        assertEquals(137, storage.getFirstLogIndex());
        assertEquals(300, storage.getLastLogIndex());
        assertNull(storage.getEntry(136));
        assertNull(storage.getEntry(1));
        assertEntry(data(137, 1, 100));
        appendRange(301, 305, 2, 10, 5);
        assertEntry(data(305, 2, 10));
    }

    @Test
    void truncateSuffixThenAppendNewTermsThenRestart() {
        open();
        appendRange(1, 100, 1, 64, 20);
        assertTrue(storage.truncateSuffix(60));
        assertEquals(60, storage.getLastLogIndex());
        assertNull(storage.getEntry(61));
        appendRange(61, 70, 2, 64, 4);
        assertEntry(data(61, 2, 64));
        restart();
        assertEquals(1, storage.getFirstLogIndex());
        assertEquals(70, storage.getLastLogIndex());
        assertEntry(data(60, 1, 64));
        assertEntry(data(61, 2, 64));
        assertEntry(data(70, 2, 64));
        assertNull(storage.getEntry(71));
    }

    @Test
    void resetBeyondTheLogThenRestart() {
        open();
        appendRange(1, 100, 1, 64, 25);
        assertTrue(storage.reset(150));
        assertEquals(150, storage.getFirstLogIndex());
        assertEquals(150, storage.getLastLogIndex());
        LogEntry marker = storage.getEntry(150);
        assertEquals(EntryType.ENTRY_TYPE_NO_OP, marker.getType());
        assertEquals(0, marker.getId().getTerm());
        assertNull(storage.getEntry(50));
        appendRange(151, 160, 5, 64, 10);
        restart();
        assertEquals(150, storage.getFirstLogIndex());
        assertEquals(160, storage.getLastLogIndex());
        assertNull(storage.getEntry(100));
        assertEntry(data(155, 5, 64));
    }

    @Test
    void resetInsideTheLogKeepsThatEntryThenRestart() {
        open();
        appendRange(1, 100, 1, 64, 25);
        assertTrue(storage.reset(40));
        assertEquals(40, storage.getFirstLogIndex());
        assertEquals(40, storage.getLastLogIndex());
        assertEntry(data(40, 1, 64));
        restart();
        assertEquals(40, storage.getFirstLogIndex());
        assertEquals(40, storage.getLastLogIndex());
        assertEntry(data(40, 1, 64));
        assertNull(storage.getEntry(41));
    }
}
