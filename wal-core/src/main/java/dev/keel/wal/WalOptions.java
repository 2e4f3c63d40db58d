package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.util.function.Consumer;

/**
 * How to open a log. Immutable: each wither checks its value loudly and returns a copy (all of
 * them through {@link #with}, the one copy method). Checks that involve two options whose
 * order of setting must not matter (a record limit against the segment size or the log buffer)
 * run at {@code Wal.open}; a value that could never work whatever else is set is refused by its
 * wither.
 *
 * <pre>
 *   Wal wal = Wal.open(dir, WalOptions.defaults().durability(Durability.FSYNC).segmentBytes(128L << 20));
 * </pre>
 *
 * <p>The segment size applies to segments created from now on: a segment's geometry is the one
 * its header records, so reopening a log with another {@code segmentBytes} fills its last
 * segment up to that segment's own size, then starts new segments at the new size.
 */
public final class WalOptions {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final long MIN_SEGMENT_BYTES = 64L << 10;
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    /** The record limit when none is set, unless the segment is too small for it (then: what a segment holds). */
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    public static final int DEFAULT_MAX_BATCH_BYTES = 4 << 20;
    /** The largest log buffer: it is one off-heap region, addressed with int offsets. */
    public static final int MAX_LOG_BUFFER_BYTES = 1 << 30;
    /**
     * Two syncs in flight at most. The second batch leaves only once as many bytes wait as the
     * first holds (see Committer): measured here, 64 blocking appenders lose half their records
     * per sync when any second batch may leave (cohorts), and pipelined async appends gain 8%
     * from a second sync (1.05 M/s against 0.97 M/s).
     */
    public static final int DEFAULT_MAX_SYNCS_IN_FLIGHT = 2;

    /** The values, copied by {@link #with} so that an options object never changes. */
    private static final class Fields implements Cloneable {
        Durability durability = Durability.FDATASYNC;
        long segmentBytes = DEFAULT_SEGMENT_BYTES;
        /** 0: follow the segment size (see {@link #maxRecordBytes()}). */
        int maxRecordBytes;
        RecoveryMode recoveryMode = RecoveryMode.TOLERATE_CORRUPTED_TAIL;
        AioBackend aioBackend;
        int logBufferBytes;
        int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        int maxSyncsInFlight = DEFAULT_MAX_SYNCS_IN_FLIGHT;
        boolean directIo;
        boolean zeroFillSegments = true;

        Fields copy() {
            try {
                return (Fields) clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final Fields f;

    private WalOptions(Fields fields) {
        this.f = fields;
    }

    /** The one copy method: a new options object with {@code change} applied to a copy of these values. */
    private WalOptions with(Consumer<Fields> change) {
        Fields copy = f.copy();
        change.accept(copy);
        return new WalOptions(copy);
    }

    /**
     * FDATASYNC, 64 MiB segments, records up to 16 MiB (or what one segment holds, if less),
     * TOLERATE_CORRUPTED_TAIL, the best AIO backend, a log buffer sized for two of the largest
     * records, 4 MiB batches, up to two syncs in flight.
     */
    public static WalOptions defaults() {
        return new WalOptions(new Fields());
    }

    public WalOptions durability(Durability d) {
        if (d == null) {
            throw new IllegalArgumentException("durability is null");
        }
        return with(x -> x.durability = d);
    }

    /**
     * The size of each segment created from now on: a multiple of 4096 between 64 KiB and 1 GiB.
     * Existing segments keep the size their header records.
     */
    public WalOptions segmentBytes(long bytes) {
        if (bytes % 4096 != 0 || bytes < MIN_SEGMENT_BYTES || bytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes=" + bytes + " must be a multiple of 4096 between "
                + MIN_SEGMENT_BYTES + " and " + MAX_SEGMENT_BYTES);
        }
        return with(x -> x.segmentBytes = bytes);
    }

    /**
     * The largest payload accepted. Unset, it is {@link #DEFAULT_MAX_RECORD_BYTES} or what one
     * segment holds, whichever is less. Set, it must fit a segment (checked at open, naming both
     * values) and its log buffer of two such frames must fit {@link #MAX_LOG_BUFFER_BYTES}
     * (checked here).
     */
    public WalOptions maxRecordBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes=" + bytes + " must be >= 1");
        }
        long bufferBytes = logBufferBytesFor(bytes);
        if (bufferBytes > MAX_LOG_BUFFER_BYTES) {
            throw new IllegalArgumentException("maxRecordBytes=" + bytes + " needs a log buffer of " + bufferBytes
                + " bytes (two such frames), above MAX_LOG_BUFFER_BYTES=" + MAX_LOG_BUFFER_BYTES + "; the largest record"
                + " any log accepts is " + largestRecordBytes());
        }
        return with(x -> x.maxRecordBytes = bytes);
    }

    /** The largest {@code maxRecordBytes} whose two frames fit the largest log buffer. */
    static int largestRecordBytes() {
        int frames = (MAX_LOG_BUFFER_BYTES - 4096) / 2;
        return (frames - FrameDescriptor.HEADER_BYTES) & ~(FrameDescriptor.ALIGNMENT - 1);
    }

    public WalOptions recoveryMode(RecoveryMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("recoveryMode is null");
        }
        return with(x -> x.recoveryMode = mode);
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
        return with(x -> x.aioBackend = backend);
    }

    /**
     * The off-heap buffer appenders copy into (a multiple of 4096; 0 for the default: two of the
     * largest frames, at least 4 MiB; never less than two of the largest frames, checked at open).
     * When it is full, appenders wait: back-pressure, never growth.
     */
    public WalOptions logBufferBytes(int bytes) {
        if (bytes != 0 && (bytes % 4096 != 0 || bytes < 64 << 10 || bytes > MAX_LOG_BUFFER_BYTES)) {
            throw new IllegalArgumentException("logBufferBytes=" + bytes + " must be 0 or a multiple of 4096 between 65536 and "
                + MAX_LOG_BUFFER_BYTES);
        }
        return with(x -> x.logBufferBytes = bytes);
    }

    /** The most bytes the committer takes into one batch of writes before its barrier sync. */
    public WalOptions maxBatchBytes(int bytes) {
        if (bytes < 4096) {
            throw new IllegalArgumentException("maxBatchBytes=" + bytes + " must be >= 4096");
        }
        return with(x -> x.maxBatchBytes = bytes);
    }

    /** Batches whose sync may be in flight at once (flush pipelining): 1 to 8. */
    public WalOptions maxSyncsInFlight(int syncs) {
        if (syncs < 1 || syncs > 8) {
            throw new IllegalArgumentException("maxSyncsInFlight=" + syncs + " must be between 1 and 8");
        }
        return with(x -> x.maxSyncsInFlight = syncs);
    }

    /**
     * Segments opened O_DIRECT (default false): writes bypass the page cache from block-aligned
     * buffers, each batch one write padded to the block boundary with a skippable VOID frame
     * (see {@link DirectLayout}: a block holding an acknowledged record is never written again),
     * and up to {@link #maxSyncsInFlight} batches in flight, each durable on its own completion;
     * the durable LSN advances over the contiguous prefix of completed batches. With the
     * durability modes:
     * <ul>
     *   <li>OPEN_DSYNC: O_DIRECT | O_DSYNC, no sync request: a completed write is durable. The
     *       mode DIRECT is built for: queue depth pays on devices that run writes in parallel.</li>
     *   <li>OPEN_SYNC: O_DIRECT | O_SYNC, likewise, with metadata.</li>
     *   <li>FDATASYNC, FSYNC: O_DIRECT writes and the barrier sync after each batch, as buffered
     *       (O_DIRECT alone does not flush the device's cache).</li>
     *   <li>NONE: O_DIRECT writes, no sync: acknowledged once the device took the write.</li>
     * </ul>
     * A file system that refuses O_DIRECT is named at open ({@code IOException}); there is no
     * silent fall-back. Each batch costs up to one block (plus a frame header) of padding, so
     * segments hold fewer small records than buffered ones.
     */
    public WalOptions directIo(boolean direct) {
        return with(x -> x.directIo = direct);
    }

    public boolean directIo() {
        return f.directIo;
    }

    /**
     * How the segment preparer makes a new segment file before the log needs it (default true):
     * <ul>
     *   <li>true: write it full of zeros and sync it. The extents are then written, so a sync after
     *       a small write flushes that data alone, with no journal commit for an extent
     *       conversion: the fastest for small synchronous writes (a lone 4 KiB O_DIRECT+O_DSYNC
     *       writer on this project's ext4 machine: allocated-only files give 0.6-0.7x the rate).
     *       The price: the device writes every byte of the log twice, once as zeros.</li>
     *   <li>false: only allocate it (fallocate), sync it. The device writes each byte once, which
     *       is what a log streaming near the device's bandwidth needs (64 KiB O_DIRECT+O_DSYNC at
     *       depth 8: zero-filling ahead halves what is left for the log); each first write to a
     *       block converts an unwritten extent, which O_DSYNC and fdatasync commit.</li>
     * </ul>
     * Either way, the blocks read as zeros until written, the file has its full size, and the
     * name appears only after the file was synced. A recycled spare segment is always overwritten
     * with zeros: it holds an older segment's frames.
     */
    public WalOptions zeroFillSegments(boolean zeroFill) {
        return with(x -> x.zeroFillSegments = zeroFill);
    }

    public boolean zeroFillSegments() {
        return f.zeroFillSegments;
    }

    public Durability durability() {
        return f.durability;
    }

    public long segmentBytes() {
        return f.segmentBytes;
    }

    /** The record limit in effect: the one set, else the default capped at what one segment holds. */
    public int maxRecordBytes() {
        return f.maxRecordBytes != 0 ? f.maxRecordBytes : (int) Math.min(DEFAULT_MAX_RECORD_BYTES, segmentPayloadLimit());
    }

    public RecoveryMode recoveryMode() {
        return f.recoveryMode;
    }

    /** The forced backend, or null for the best available. */
    public AioBackend aioBackend() {
        return f.aioBackend;
    }

    public int maxBatchBytes() {
        return f.maxBatchBytes;
    }

    public int maxSyncsInFlight() {
        return f.maxSyncsInFlight;
    }

    /** The largest payload a segment of this size can hold. */
    public long segmentPayloadLimit() {
        // DIRECT: the largest frame must fit beside the padding of its batch (up to a block and a header).
        long directPadBytes = f.directIo ? SegmentHeaderDescriptor.HEADER_BYTES + FrameDescriptor.HEADER_BYTES : 0;
        return f.segmentBytes - SegmentHeaderDescriptor.HEADER_BYTES - FrameDescriptor.HEADER_BYTES - 8 - directPadBytes;
    }

    /** The log buffer's size in effect. */
    public int effectiveLogBufferBytes() {
        if (f.logBufferBytes != 0) {
            return f.logBufferBytes;
        }
        long rounded = (Math.max(4L << 20, logBufferBytesFor(maxRecordBytes())) + 4095) / 4096 * 4096;
        assert rounded <= MAX_LOG_BUFFER_BYTES : "maxRecordBytes wither lets through " + maxRecordBytes();
        return (int) rounded;
    }

    /** Two of the largest frames and a block: what a log buffer needs for records of this size. */
    private static long logBufferBytesFor(int recordBytes) {
        return 2L * FrameDescriptor.frameBytes(recordBytes) + 4096;
    }

    /** Checks the options against each other; called by {@code Wal.open}. */
    void validate() {
        if (maxRecordBytes() > segmentPayloadLimit()) {
            throw new IllegalArgumentException("maxRecordBytes=" + maxRecordBytes() + " exceeds what one segment of segmentBytes="
                + f.segmentBytes + " can hold (" + segmentPayloadLimit() + ")");
        }
        // A frame never wraps: at a tail index near the end of the ring it needs up to frameBytes - 8
        // bytes of padding first, and the ring keeps one word free, so only twice the largest frame
        // lets it in wherever the tail is. With less, such a record waits forever in an empty ring.
        long neededBytes = 2L * FrameDescriptor.frameBytes(maxRecordBytes());
        if (neededBytes > effectiveLogBufferBytes()) {
            throw new IllegalArgumentException("logBufferBytes=" + effectiveLogBufferBytes() + " cannot hold a record of maxRecordBytes="
                + maxRecordBytes() + " at every ring position: it must be at least " + neededBytes + " (two such frames)");
        }
    }

    @Override
    public String toString() {
        return "WalOptions[durability=" + f.durability + ", segmentBytes=" + f.segmentBytes + ", maxRecordBytes="
            + maxRecordBytes() + ", recoveryMode=" + f.recoveryMode + ", aioBackend=" + (f.aioBackend == null ? null : f.aioBackend.name())
            + ", logBufferBytes="
            + effectiveLogBufferBytes() + ", maxBatchBytes=" + f.maxBatchBytes + ", maxSyncsInFlight=" + f.maxSyncsInFlight
            + ", directIo=" + f.directIo + ", zeroFillSegments=" + f.zeroFillSegments + "]";
    }
}
