package dev.keel.jraft;

import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.codec.LogEntryDecoder;
import com.alipay.sofa.jraft.entity.codec.LogEntryEncoder;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * SOFAJRaft's {@link LogStorage} on one Keel log per Raft group: the Raft index is the Keel
 * LSN. Everything that is log logic is Keel's ({@link Wal#read} for entries by index,
 * {@link Wal#appendBatch} for atomic appends, {@link Wal#truncatePrefix} and {@link Wal#reset}
 * for a durable head at any index, {@link Wal#truncateAfter} for the suffix); this class maps
 * the contract onto it and encodes entries.
 *
 * <h2>Record layout</h2>
 * <pre>
 *   +-----------+---------------------------------------------+
 *   | kind u8   | the entry, encoded by the node's LogEntryEncoder |
 *   +-----------+---------------------------------------------+
 *   kind: 1 data (or any non-configuration entry), 2 configuration, 0 hole (no entry, no bytes follow)
 * </pre>
 * The kind byte lets {@link #init} find configuration entries without decoding data entries.
 * A hole fills an index that was skipped (entries appended at 100 then 200, as the engine's
 * own storage tests do): Keel's LSNs are dense, Raft's indexes need not be; a hole reads as no
 * entry, as a missing key does in RocksDBLogStorage. Gaps are bounded by {@link #MAX_HOLES}.
 *
 * <h2>Where it differs from RocksDBLogStorage</h2>
 * An empty log reports {@code getLastLogIndex() == getFirstLogIndex() - 1} (RocksDB reports 0
 * once its background deletion has run): after {@code truncatePrefix} past the end the next
 * entry goes at the new first index either way. Appending at an index already in the log
 * without {@code truncateSuffix} first is refused (RocksDB overwrites the one key and keeps the
 * rest; JRaft's LogManager never does it).
 *
 * <p>Thread safety: JRaft calls appends, truncations and reset from its log manager's single
 * disruptor thread and reads from any thread; {@link Wal} is safe for that.
 */
public final class KeelLogStorage implements LogStorage {
    /** The largest gap between two appended indexes that is filled with holes. */
    public static final int MAX_HOLES = 1 << 16;
    private static final System.Logger LOG = System.getLogger("dev.keel.jraft");
    static final byte KIND_HOLE = 0;
    static final byte KIND_DATA = 1;
    static final byte KIND_CONFIGURATION = 2;
    private static final ByteBuffer HOLE = ByteBuffer.wrap(new byte[] {KIND_HOLE}).asReadOnlyBuffer();

    private final Path dir;
    private final WalOptions walOptions;
    private volatile Wal wal;
    private LogEntryEncoder encoder;
    private LogEntryDecoder decoder;

    /**
     * A storage in directory {@code uri}; {@link RaftOptions#isSync()} chooses FDATASYNC (every
     * append durable on return) or NONE (written to the page cache, as RocksDB's sync=false).
     */
    public KeelLogStorage(String uri, RaftOptions raftOptions) {
        this(uri, WalOptions.defaults().durability(raftOptions.isSync() ? Durability.FDATASYNC : Durability.NONE));
    }

    /** A storage with explicit Keel options (segment size, backend, recovery mode, durability). */
    public KeelLogStorage(String uri, WalOptions walOptions) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("log storage uri is blank");
        }
        this.dir = Path.of(uri);
        this.walOptions = walOptions;
    }

    @Override
    public boolean init(LogStorageOptions opts) {
        if (opts.getConfigurationManager() == null || opts.getLogEntryCodecFactory() == null) {
            throw new IllegalArgumentException("LogStorageOptions need a configuration manager and a codec factory");
        }
        if (wal != null) {
            return true;
        }
        this.encoder = opts.getLogEntryCodecFactory().encoder();
        this.decoder = opts.getLogEntryCodecFactory().decoder();
        try {
            wal = Wal.open(dir, walOptions);
            loadConfigurations(opts.getConfigurationManager());
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot open the Keel log storage in " + dir, e);
            shutdown();
            return false;
        }
    }

    /** Adds every configuration entry to the manager, in index order; data entries are not decoded. */
    private void loadConfigurations(ConfigurationManager confManager) throws IOException {
        Wal w = wal;
        if (w.firstLsn() == 0) {
            return;
        }
        try (WalReader r = w.reader(w.firstLsn())) {
            while (r.next()) {
                ByteBuffer p = r.payload();
                if (p.remaining() == 0 || p.get(p.position()) != KIND_CONFIGURATION) {
                    continue;
                }
                byte[] bytes = new byte[p.remaining() - 1];
                p.get(p.position() + 1, bytes);
                LogEntry entry = decoder.decode(bytes);
                if (entry == null) {
                    throw new IOException("configuration entry at index " + r.lsn() + " in " + dir + " does not decode");
                }
                confManager.add(toConfigurationEntry(entry));
            }
        }
    }

    private static ConfigurationEntry toConfigurationEntry(LogEntry entry) {
        ConfigurationEntry conf = new ConfigurationEntry();
        conf.setId(new LogId(entry.getId().getIndex(), entry.getId().getTerm()));
        conf.setConf(new Configuration(entry.getPeers(), entry.getLearners()));
        if (entry.getOldPeers() != null) {
            conf.setOldConf(new Configuration(entry.getOldPeers(), entry.getOldLearners()));
        }
        return conf;
    }

    @Override
    public void shutdown() {
        Wal w = wal;
        wal = null;
        if (w != null) {
            try {
                w.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "closing the Keel log storage in " + dir + " failed", e);
            }
        }
    }

    private Wal wal() {
        Wal w = wal;
        if (w == null) {
            throw new IllegalStateException("Keel log storage in " + dir + " is not initialised (or was shut down)");
        }
        return w;
    }

    @Override
    public long getFirstLogIndex() {
        return wal().startLsn();
    }

    @Override
    public long getLastLogIndex() {
        return wal().lastLsn();
    }

    @Override
    public LogEntry getEntry(long index) {
        try {
            byte[] record = wal().read(index);
            if (record == null || record.length == 0 || record[0] == KIND_HOLE) {
                return null;
            }
            byte[] bytes = new byte[record.length - 1];
            System.arraycopy(record, 1, bytes, 0, bytes.length);
            LogEntry entry = decoder.decode(bytes);
            if (entry == null) {
                LOG.log(System.Logger.Level.ERROR, "entry at index " + index + " in " + dir + " does not decode");
            }
            return entry;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "reading index " + index + " from " + dir + " failed", e);
            return null;
        }
    }

    @Override
    @Deprecated
    public long getTerm(long index) {
        LogEntry entry = getEntry(index);
        return entry == null ? 0 : entry.getId().getTerm();
    }

    @Override
    public boolean appendEntry(LogEntry entry) {
        return appendEntries(List.of(entry)) == 1;
    }

    /**
     * Appends the entries as one atomic Keel batch (holes included), durable on return when the
     * storage syncs; returns how many were appended: all of them, or 0 on any refusal or error.
     */
    @Override
    public int appendEntries(List<LogEntry> entries) {
        if (entries == null || entries.isEmpty()) {
            return 0;
        }
        try {
            Wal w = wal();
            long first = entries.get(0).getId().getIndex();
            if (w.firstLsn() == 0 && first != w.lastLsn() + 1) {
                w.reset(first); // an empty log starts at whatever index its first entry has
            }
            ByteBuffer[] records = encode(entries, w.lastLsn() + 1);
            if (records == null) {
                return 0;
            }
            w.appendBatch(records);
            return entries.size();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "appending " + entries.size() + " entries to " + dir + " failed", e);
            return 0;
        }
    }

    /** The batch's records (holes before any entry whose index skips ahead), or null when an index is refused. */
    private ByteBuffer[] encode(List<LogEntry> entries, long nextIndex) {
        long last = entries.get(entries.size() - 1).getId().getIndex();
        long count = last - nextIndex + 1;
        if (count < entries.size() || count > entries.size() + (long) MAX_HOLES) {
            LOG.log(System.Logger.Level.ERROR, "entries " + entries.get(0).getId().getIndex() + ".." + last + " cannot follow index "
                + (nextIndex - 1) + " in " + dir + ": indexes must increase from " + nextIndex + " with at most " + MAX_HOLES
                + " skipped (truncateSuffix first to rewrite)");
            return null;
        }
        ByteBuffer[] records = new ByteBuffer[(int) count];
        long expected = nextIndex;
        int at = 0;
        for (LogEntry e : entries) {
            long index = e.getId().getIndex();
            if (index < expected) {
                LOG.log(System.Logger.Level.ERROR, "entry index " + index + " is not after " + (expected - 1) + " in " + dir);
                return null;
            }
            while (expected < index) {
                records[at++] = HOLE.duplicate();
                expected++;
            }
            byte[] body = encoder.encode(e);
            ByteBuffer record = ByteBuffer.allocate(body.length + 1);
            record.put(e.getType() == EntryType.ENTRY_TYPE_CONFIGURATION ? KIND_CONFIGURATION : KIND_DATA).put(body).flip();
            records[at++] = record;
            expected++;
        }
        assert at == records.length : at + " records for " + records.length + " slots";
        return records;
    }

    @Override
    public boolean truncatePrefix(long firstIndexKept) {
        return logged("truncatePrefix(" + firstIndexKept + ")", () -> {
            wal().truncatePrefix(firstIndexKept);
            return true;
        });
    }

    @Override
    public boolean truncateSuffix(long lastIndexKept) {
        return logged("truncateSuffix(" + lastIndexKept + ")", () -> {
            Wal w = wal();
            if (lastIndexKept < w.lastLsn()) {
                w.truncateAfter(Math.max(lastIndexKept, w.startLsn() - 1));
            }
            return true;
        });
    }

    /** An operation of the contract that answers false on failure: JRaft's LogManager reads that as an I/O error. */
    private interface Operation {
        boolean run() throws IOException;
    }

    private boolean logged(String what, Operation op) {
        try {
            return op.run();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, what + " of " + dir + " failed", e);
            return false;
        }
    }

    /**
     * Empties the log and continues at {@code nextLogIndex} holding one entry there, as
     * RocksDBLogStorage does: the entry already at that index if there was one, else a NO_OP of
     * term 0 (the snapshot's boundary marker).
     */
    @Override
    public boolean reset(long nextLogIndex) {
        if (nextLogIndex <= 0) {
            throw new IllegalArgumentException("reset nextLogIndex=" + nextLogIndex + " must be > 0");
        }
        return logged("reset(" + nextLogIndex + ")", () -> {
            LogEntry entry = getEntry(nextLogIndex);
            wal().reset(nextLogIndex);
            if (entry == null) {
                entry = new LogEntry(EntryType.ENTRY_TYPE_NO_OP);
                entry.setId(new LogId(nextLogIndex, 0));
            }
            return appendEntry(entry);
        });
    }

    @Override
    public String toString() {
        return "KeelLogStorage[" + dir + "]";
    }
}
