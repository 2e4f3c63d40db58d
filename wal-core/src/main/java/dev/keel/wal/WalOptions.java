package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.recovery.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentHeaderDescriptor;

/**
 * How to open a log. Immutable: each wither checks its value loudly and returns a copy.
 *
 * <pre>
 *   Wal wal = Wal.open(dir, WalOptions.defaults().durability(Durability.FSYNC).segmentBytes(128L << 20));
 * </pre>
 */
public final class WalOptions {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final long MIN_SEGMENT_BYTES = 64L << 10;
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    public static final int DEFAULT_MAX_BATCH_BYTES = 4 << 20;
    /**
     * Two syncs in flight at most. The second batch leaves only once as many bytes wait as the
     * first holds (see Committer): measured here, 64 blocking appenders lose half their records
     * per sync when any second batch may leave (cohorts), and pipelined async appends gain 8%
     * from a second sync (1.05 M/s against 0.97 M/s).
     */
    public static final int DEFAULT_MAX_SYNCS_IN_FLIGHT = 2;

    private final Durability durability;
    private final long segmentBytes;
    private final int maxRecordBytes;
    private final RecoveryMode recoveryMode;
    private final AioBackend aioBackend;
    private final int logBufferBytes;
    private final int maxBatchBytes;
    private final int maxSyncsInFlight;

    private WalOptions(Durability durability, long segmentBytes, int maxRecordBytes, RecoveryMode recoveryMode,
                       AioBackend aioBackend, int logBufferBytes, int maxBatchBytes, int maxSyncsInFlight) {
        this.durability = durability;
        this.segmentBytes = segmentBytes;
        this.maxRecordBytes = maxRecordBytes;
        this.recoveryMode = recoveryMode;
        this.aioBackend = aioBackend;
        this.logBufferBytes = logBufferBytes;
        this.maxBatchBytes = maxBatchBytes;
        this.maxSyncsInFlight = maxSyncsInFlight;
    }

    /**
     * FDATASYNC, 64 MiB segments, 16 MiB records at most, TOLERATE_CORRUPTED_TAIL, the best AIO
     * backend, a log buffer sized for two of the largest records, 4 MiB batches, up to two syncs in flight.
     */
    public static WalOptions defaults() {
        return new WalOptions(Durability.FDATASYNC, DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_RECORD_BYTES,
            RecoveryMode.TOLERATE_CORRUPTED_TAIL, null, 0, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_SYNCS_IN_FLIGHT);
    }

    public WalOptions durability(Durability d) {
        if (d == null) {
            throw new IllegalArgumentException("durability is null");
        }
        return new WalOptions(d, segmentBytes, maxRecordBytes, recoveryMode, aioBackend, logBufferBytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    /** Each segment file's fixed size: a multiple of 4096 between 64 KiB and 1 GiB. */
    public WalOptions segmentBytes(long bytes) {
        if (bytes % 4096 != 0 || bytes < MIN_SEGMENT_BYTES || bytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes=" + bytes + " must be a multiple of 4096 between "
                + MIN_SEGMENT_BYTES + " and " + MAX_SEGMENT_BYTES);
        }
        return new WalOptions(durability, bytes, maxRecordBytes, recoveryMode, aioBackend, logBufferBytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    /** The largest payload accepted; at most what one segment can hold (checked at open). */
    public WalOptions maxRecordBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes=" + bytes + " must be >= 1");
        }
        return new WalOptions(durability, segmentBytes, bytes, recoveryMode, aioBackend, logBufferBytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    public WalOptions recoveryMode(RecoveryMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("recoveryMode is null");
        }
        return new WalOptions(durability, segmentBytes, maxRecordBytes, mode, aioBackend, logBufferBytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    /**
     * Forces a built-in AIO backend by name ({@code io_uring}, {@code linux-aio}, {@code posix},
     * {@code threads}; an unknown name is refused here); null picks the best available.
     */
    public WalOptions aioBackend(String name) {
        return aioBackend(name == null ? null : Aio.backend(name));
    }

    /**
     * Forces this AIO backend instance, for example a {@link dev.keel.aio.FaultInjectingBackend}
     * or a test's disk model; both the log's write and read contexts are opened from it.
     */
    public WalOptions aioBackend(AioBackend backend) {
        return new WalOptions(durability, segmentBytes, maxRecordBytes, recoveryMode, backend, logBufferBytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    /**
     * The off-heap buffer appenders copy into (a multiple of 4096; 0 for the default: two of the
     * largest frames, at least 4 MiB; never less than two of the largest frames, checked at open).
     * When it is full, appenders wait: back-pressure, never growth.
     */
    public WalOptions logBufferBytes(int bytes) {
        if (bytes != 0 && (bytes % 4096 != 0 || bytes < 64 << 10)) {
            throw new IllegalArgumentException("logBufferBytes=" + bytes + " must be 0 or a multiple of 4096 >= 65536");
        }
        return new WalOptions(durability, segmentBytes, maxRecordBytes, recoveryMode, aioBackend, bytes, maxBatchBytes,
            maxSyncsInFlight);
    }

    /** The most bytes the committer takes into one batch of writes before its barrier sync. */
    public WalOptions maxBatchBytes(int bytes) {
        if (bytes < 4096) {
            throw new IllegalArgumentException("maxBatchBytes=" + bytes + " must be >= 4096");
        }
        return new WalOptions(durability, segmentBytes, maxRecordBytes, recoveryMode, aioBackend, logBufferBytes, bytes,
            maxSyncsInFlight);
    }

    /** Batches whose sync may be in flight at once (flush pipelining): 1 to 8. */
    public WalOptions maxSyncsInFlight(int syncs) {
        if (syncs < 1 || syncs > 8) {
            throw new IllegalArgumentException("maxSyncsInFlight=" + syncs + " must be between 1 and 8");
        }
        return new WalOptions(durability, segmentBytes, maxRecordBytes, recoveryMode, aioBackend, logBufferBytes,
            maxBatchBytes, syncs);
    }

    public Durability durability() {
        return durability;
    }

    public long segmentBytes() {
        return segmentBytes;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public RecoveryMode recoveryMode() {
        return recoveryMode;
    }

    /** The forced backend, or null for the best available. */
    public AioBackend aioBackend() {
        return aioBackend;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public int maxSyncsInFlight() {
        return maxSyncsInFlight;
    }

    /** The largest payload a segment of this size can hold. */
    public long segmentPayloadLimit() {
        return segmentBytes - SegmentHeaderDescriptor.HEADER_BYTES - FrameDescriptor.HEADER_BYTES - 8;
    }

    /** The log buffer's size in effect. */
    public int effectiveLogBufferBytes() {
        if (logBufferBytes != 0) {
            return logBufferBytes;
        }
        long twoFrames = 2L * FrameDescriptor.frameBytes(maxRecordBytes) + 4096;
        long rounded = (Math.max(4L << 20, twoFrames) + 4095) / 4096 * 4096;
        return (int) Math.min(1L << 30, rounded);
    }

    /** Checks the options against each other; called by {@code Wal.open}. */
    void validate() {
        if (maxRecordBytes > segmentPayloadLimit()) {
            throw new IllegalArgumentException("maxRecordBytes=" + maxRecordBytes + " exceeds what one segment of segmentBytes="
                + segmentBytes + " can hold (" + segmentPayloadLimit() + ")");
        }
        // A frame never wraps: at a tail index near the end of the ring it needs up to frameBytes - 8
        // bytes of padding first, and the ring keeps one word free, so only twice the largest frame
        // lets it in wherever the tail is. With less, such a record waits forever in an empty ring.
        long neededBytes = 2L * FrameDescriptor.frameBytes(maxRecordBytes);
        if (neededBytes > effectiveLogBufferBytes()) {
            throw new IllegalArgumentException("logBufferBytes=" + effectiveLogBufferBytes() + " cannot hold a record of maxRecordBytes="
                + maxRecordBytes + " at every ring position: it must be at least " + neededBytes + " (two such frames)");
        }
    }

    @Override
    public String toString() {
        return "WalOptions[durability=" + durability + ", segmentBytes=" + segmentBytes + ", maxRecordBytes=" + maxRecordBytes
            + ", recoveryMode=" + recoveryMode + ", aioBackend=" + (aioBackend == null ? null : aioBackend.name()) + ", logBufferBytes=" + effectiveLogBufferBytes()
            + ", maxBatchBytes=" + maxBatchBytes + ", maxSyncsInFlight=" + maxSyncsInFlight + "]";
    }
}
