package dev.keel.wal;

import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.io.IOException;

/**
 * What goes into the committer's next batch, and where it goes: the one walk of the ring and the
 * one owner of the write position in the segments (Agrona's {@code read(handler)} owns its walk
 * the same way). {@link #walk} takes the frames published since the last walk into a batch,
 * following the roll markers the appenders left; {@link #seal} closes it with its last write and
 * the durability sync. Only the holder of write leadership calls it.
 *
 * <pre>
 *   ring:  ... [frame][frame][PAD ][ROLL][frame] ...     walkPosition moves over each once
 *                 \__ piece 1 __/   wrap  next segment
 *   file:  [header][frames of earlier batches][piece 1][piece 2]   segmentOffset after the last
 *   DIRECT:        [earlier blocks][staged frames + VOID pad to the block]
 * </pre>
 */
final class BatchBuilder {
    /** Owner of requests no batch waits for ({@link PlantedBug#ACK_BEFORE_SYNC}). */
    private static final InFlightBatch DETACHED = detached();

    private final LogState state;
    private final Segments segments;
    private final Durability durability;
    private final int maxBatchBytes;
    /** The DIRECT layout (staging, padding), or null for buffered segments. */
    private final DirectLayout direct;
    /** DIRECT: the point-read index of the segment being written (the committer places records). */
    private RecordOffsets directOffsets;
    /** DIRECT: the next batch must start a new segment (the tail is not block-aligned, or no segment yet). */
    private boolean rollPending;
    /** Where the walk of the ring stands: every frame before it is in a batch. */
    private long walkPosition;
    /** Checks, in assertions only, that a frame is whole when the walk meets it. */
    private final FrameCodec frameCheck;
    private long segmentIndex;
    private NativeFile segmentFile;
    /** Where {@link PlantedBug#SYNC_WRONG_FILE} sends the durability sync; null otherwise. */
    private NativeFile wrongSyncTarget;
    private long segmentOffset;
    /** The active segment's own size (its header's): the tail's may differ from the options'. */
    private long segmentFileBytes;
    private long lastLsnSeen;
    /** The segment whose successor was last asked for, so it is asked once. */
    private long preparedAheadFor = -1;

    BatchBuilder(LogState state, Segments segments, Durability durability, int maxBatchBytes, long tailSegmentIndex,
                 NativeFile tailFile, long tailOffset, long tailSegmentBytes, long lastLsn, DirectLayout direct) {
        this.state = state;
        this.segments = segments;
        this.durability = durability;
        this.maxBatchBytes = maxBatchBytes;
        this.segmentIndex = tailSegmentIndex;
        this.segmentFile = tailFile;
        this.segmentOffset = tailOffset;
        this.segmentFileBytes = tailSegmentBytes;
        this.lastLsnSeen = lastLsn;
        this.frameCheck = new FrameCodec(state.ring.memory());
        this.direct = direct;
        this.rollPending = direct != null && (tailFile == null || !direct.aligned(tailOffset));
        Segments.Ref tail = direct == null || tailFile == null ? null : segments.byIndex(tailSegmentIndex);
        this.directOffsets = tail == null ? null : tail.offsets();
    }

    private static InFlightBatch detached() {
        InFlightBatch b = new InFlightBatch();
        b.pending = Integer.MAX_VALUE; // counts down forever, never below zero
        return b;
    }

    /** True when a published frame (or marker) waits at the walk's position. */
    boolean publishedAhead() {
        return state.ring.wordAt(walkPosition) != 0;
    }

    /** True for DIRECT segments, whose batches are each durable on their own completion. */
    boolean direct() {
        return direct != null;
    }

    /**
     * Closes the walked batch: its last write (buffered: the open piece; DIRECT: the staged
     * frames padded to the block) and the durability sync; asks for the next segment once this
     * one is half full; records where the batch ends in the ring and its last LSN.
     */
    void seal(InFlightBatch b) throws IOException {
        if (direct != null) {
            int bytes = direct.pad(b.staging, lastLsnSeen, state.segmentSalt, span(lastLsnSeen));
            b.next().prepareWrite(segmentFile, segmentOffset, b.staging.address, bytes).attachment(b);
            segmentOffset += bytes;
            assert segmentOffset <= segmentFileBytes : "DIRECT write crosses the segment end: " + segmentOffset;
        } else {
            addWrite(b);
        }
        addSync(b, segmentFile, durability == Durability.FSYNC ? SyncMode.FILE : SyncMode.DATA, true);
        if (segmentOffset > segmentFileBytes / 2 && preparedAheadFor != segmentIndex) {
            preparedAheadFor = segmentIndex;
            segments.prepareAhead(segmentIndex + 1);
        }
        b.endPosition = walkPosition;
        b.lastLsn = lastLsnSeen;
    }

    /**
     * Walks the ring from {@code walkPosition} over published frames into {@code b}: contiguous
     * frames become one write (a piece), a pad word closes the piece and jumps to index 0, a
     * roll marker moves to the next segment when the batch is still empty and cuts it otherwise.
     */
    void walk(InFlightBatch b) throws IOException {
        int capacity = state.ring.capacity();
        while (!b.cut && b.bytes < maxBatchBytes) {
            long pos = walkPosition;
            long word = state.ring.wordAt(pos);
            if (word == 0) {
                return;
            }
            if (word == LogBuffer.PAD_WORD) {
                addWrite(b);
                walkPosition = pos + capacity - LogBuffer.index(pos, capacity);
            } else if (word == LogBuffer.ROLL_WORD) {
                if (b.hasContent()) {
                    b.cut = true;
                    return;
                }
                if (Thread.currentThread() != state.committerThread) {
                    // A roll may wait for the segment preparer (and an interrupt there would
                    // fail the log): the committer's job, never a leading appender's. Rare:
                    // once a segment.
                    return;
                }
                roll(b, pos);
                walkPosition = pos + LogBuffer.ROLL_MARKER_BYTES;
            } else if (!takeFrame(b, pos, (int) word)) {
                return;
            }
        }
        b.cut = true;
    }

    /**
     * Adds the published frame at {@code pos} to the batch: to its open piece, or (DIRECT) to its
     * staging buffer. False when the walk must stop before it: DIRECT, the frame needs a new
     * segment and the batch is cut, or a leading appender leaves the roll to the committer.
     */
    private boolean takeFrame(InFlightBatch b, long pos, int payloadBytes) throws IOException {
        int idx = LogBuffer.index(pos, state.ring.capacity());
        int frameBytes = FrameDescriptor.frameBytes(payloadBytes);
        assert frameCheck.check(idx, idx + frameBytes, Integer.MAX_VALUE) == FrameCheck.VALID
            : "frame at ring position " + pos + " published before its bytes were in place";
        if (direct != null) {
            if (rollPending || segmentOffset + b.staging.bytes + frameBytes + direct.maxPadBytes() > segmentFileBytes) {
                if (b.hasContent()) {
                    b.cut = true;
                    return false;
                }
                if (Thread.currentThread() != state.committerThread) {
                    return false;
                }
                rollDirect(b);
            }
            if (state.ring.buffer().getShort(idx + FrameDescriptor.TYPE_OFFSET) == FrameDescriptor.TYPE_RECORD) {
                directOffsets.add(state.ring.buffer().getLong(idx + FrameDescriptor.LSN_OFFSET), segmentOffset + b.staging.bytes);
            }
            direct.stage(b.staging, state.ring.buffer(), idx, frameBytes, state.segmentSalt);
        } else {
            if (b.pieceBytes == 0) {
                b.pieceStart = pos;
                b.pieceFileOffset = segmentOffset;
            }
            b.pieceBytes += frameBytes;
        }
        long lsn = state.ring.buffer().getLong(idx + FrameDescriptor.LSN_OFFSET);
        short type = state.ring.buffer().getShort(idx + FrameDescriptor.TYPE_OFFSET);
        assert lsn == (type == FrameDescriptor.TYPE_RECORD ? lastLsnSeen + 1 : lastLsnSeen)
            : "LSN " + lsn + " (type " + type + ") after " + lastLsnSeen + ": LSNs must be dense and in ring order";
        lastLsnSeen = lsn;
        if (direct == null) {
            segmentOffset += frameBytes;
            assert segmentOffset <= segmentFileBytes : "write crosses the segment end: " + segmentOffset;
        }
        walkPosition = pos + frameBytes;
        b.bytes += frameBytes;
        return true;
    }

    /** The unsynced span a frame written now with this LSN carries (see FrameDescriptor). */
    private int span(long lsn) {
        return (int) Math.min(0xFFFF_FFFFL, Math.max(0, lsn - state.durableLsn));
    }

    /** Closes the batch's open piece as one write request. */
    private void addWrite(InFlightBatch b) {
        if (b.pieceBytes == 0) {
            return;
        }
        long address = state.ring.address() + LogBuffer.index(b.pieceStart, state.ring.capacity());
        b.next().prepareWrite(segmentFile, b.pieceFileOffset, address, b.pieceBytes).attachment(b);
        b.pieceBytes = 0;
    }

    private void addSync(InFlightBatch b, NativeFile file, SyncMode mode, boolean durabilitySync) throws IOException {
        boolean needed = durabilitySync
            ? durability == Durability.FDATASYNC || durability == Durability.FSYNC
            : durability != Durability.NONE;
        if (!needed) {
            return;
        }
        if (durabilitySync && !PlantedBug.isActive(PlantedBug.NONE)) {
            addPlantedSync(b, file, mode);
            return;
        }
        b.next().prepareSync(file, mode).attachment(b);
    }

    /** The durability sync with a planted bug (tests only, see {@link PlantedBug}). */
    private void addPlantedSync(InFlightBatch b, NativeFile file, SyncMode mode) throws IOException {
        if (PlantedBug.isActive(PlantedBug.SYNC_WRONG_FILE)) {
            if (wrongSyncTarget == null) {
                wrongSyncTarget = segments.openLockFileForPlantedBug();
            }
            b.next().prepareSync(wrongSyncTarget, mode).attachment(b);
        } else if (PlantedBug.isActive(PlantedBug.ACK_BEFORE_SYNC)) {
            // Not counted in the batch: it is acknowledged once its writes complete. A fresh request,
            // since the batch's own may be reused while this one is still in flight.
            b.requests[b.count] = new AioRequest();
            AioRequest sync = b.next().prepareSync(file, mode).attachment(DETACHED);
            b.pending--;
            assert sync.attachment() == DETACHED;
        } else {
            b.next().prepareSync(file, mode).attachment(b);
        }
    }

    /**
     * Moves to the segment the roll marker at {@code pos} names: seal the old one, write the new
     * one's header. The appenders decided the roll; the committer follows.
     */
    private void roll(InFlightBatch b, long pos) throws IOException {
        long newIndex = state.ring.rollSegmentIndex(pos);
        long firstLsn = state.ring.rollFirstLsn(pos);
        assert state.ring.rollPreviousEndOffset(pos) == segmentOffset
            : "the appenders ended segment " + segmentIndex + " at " + state.ring.rollPreviousEndOffset(pos)
            + ", the committer's writes at " + segmentOffset;
        assert newIndex == segmentIndex + 1 : "roll from segment " + segmentIndex + " to " + newIndex;
        assert firstLsn == lastLsnSeen + 1 : "segment " + newIndex + " starts at LSN " + firstLsn + " after " + lastLsnSeen;
        openSegment(b, newIndex, firstLsn);
    }

    /**
     * DIRECT: the committer owns the file position (padding is its decision), so it decides the
     * roll: the next segment starts with the next record's LSN, and appenders stamp its salt
     * from now on (the frames already stamped with the old one are sealed again as they are staged).
     */
    private void rollDirect(InFlightBatch b) throws IOException {
        long newIndex = segmentIndex + 1;
        long firstLsn = lastLsnSeen + 1;
        directOffsets = segments.add(newIndex, firstLsn).offsets();
        state.segmentSalt = FrameDescriptor.salt(segments.logId(), newIndex);
        openSegment(b, newIndex, firstLsn);
        rollPending = false;
    }

    /** Seals the old segment and writes the new one's header, in this batch. */
    private void openSegment(InFlightBatch b, long newIndex, long firstLsn) throws IOException {
        if (segmentFile != null) {
            addSync(b, segmentFile, SyncMode.FILE, false);
            b.closeAfter = segmentFile;
        }
        segmentFile = segments.openForWrite(newIndex);
        segmentIndex = newIndex;
        segmentFileBytes = segments.segmentBytes();
        segments.encodeHeader(b.header, newIndex, firstLsn);
        b.next().prepareWrite(segmentFile, 0, b.headerAddress(), SegmentHeaderDescriptor.HEADER_BYTES).attachment(b);
        segmentOffset = SegmentHeaderDescriptor.HEADER_BYTES;
    }

    long segmentIndex() {
        return segmentIndex;
    }

    long segmentOffset() {
        return segmentOffset;
    }

    NativeFile segmentFile() {
        return segmentFile;
    }
}
