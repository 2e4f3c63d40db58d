package dev.keel.recovery;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Walks the valid frames of one segment in order, for readers: it reads through the AIO layer
 * in chunks, checks each frame (CRC, salt), and stops at the end of valid data. It can be asked
 * again later at the same place, which is how a reader tails a growing log: bytes past the last
 * valid frame are re-read from the file on every attempt. After damage ({@link #next} with
 * {@code resync}) it steps forward to the next valid frame, as SKIP_ANY_CORRUPTED_RECORDS needs.
 */
public final class SegmentCursor implements AutoCloseable {
    private static final int CHUNK_BYTES = 1 << 20;

    private final AioContext ctx;
    private final NativeFile file;
    private final long index;
    private final int salt;
    private final long fileBytes;
    private ByteBuffer buffer;
    private FrameCodec codec;
    private long bufferStart;
    private int bufferEnd;
    private long position = SegmentHeaderDescriptor.HEADER_BYTES;
    private long frameOffset = -1;
    /** What the last check found where {@link #next} stopped; VALID while it has not stopped. */
    private FrameCheck stopCheck = FrameCheck.VALID;
    private final AioRequest[] one = {new AioRequest()};

    public SegmentCursor(AioContext ctx, Path path, long index, long logId) throws IOException {
        this.ctx = ctx;
        this.file = NativeFile.open(path, OpenFlag.READ);
        this.index = index;
        this.salt = FrameDescriptor.salt(logId, index);
        this.fileBytes = file.size();
        allocate(CHUNK_BYTES);
    }

    private void allocate(int bytes) {
        buffer = BufferUtil.allocateDirectAligned(bytes, 4096).order(ByteOrder.LITTLE_ENDIAN);
        codec = new FrameCodec(buffer);
        bufferEnd = 0;
    }

    public long index() {
        return index;
    }

    /**
     * Moves to the next valid frame. False at the end of valid data (for now: try again later to
     * tail). With {@code resync}, damage is stepped over 8 bytes at a time instead.
     */
    public boolean next(boolean resync) throws IOException {
        if (frameOffset >= 0) {
            position = frameOffset + codec.frameBytes();
            frameOffset = -1;
        }
        stopCheck = FrameCheck.TRUNCATED; // what stops it when fewer than a header's bytes are left
        while (position + FrameDescriptor.HEADER_BYTES <= fileBytes) {
            FrameCheck check = checkAt(position, false);
            if (check != FrameCheck.VALID) {
                check = checkAt(position, true);
            }
            if (check == FrameCheck.VALID && codec.salt() == salt) {
                frameOffset = position;
                return true;
            }
            stopCheck = check;
            if (!resync || (check == FrameCheck.ZEROS && allZerosAfter(position))) {
                return false;
            }
            position += resyncStep(check);
        }
        return false;
    }

    /**
     * How far to step over damage: over a whole frame whose length word is self-consistent (a
     * checksum mismatch, another segment's frame), else 8 bytes. This is the step LogScanner
     * takes, so that a reader skips exactly the bytes recovery skipped and never takes a frame
     * inside a damaged one for a record recovery did not count.
     */
    private int resyncStep(FrameCheck check) {
        if (check == FrameCheck.VALID || check == FrameCheck.BAD_CRC) {
            return Math.max(FrameDescriptor.ALIGNMENT, codec.frameBytesAt((int) (position - bufferStart)));
        }
        return FrameDescriptor.ALIGNMENT;
    }

    /** Takes back the current frame: the next {@link #next} returns it again. */
    void unread() {
        if (frameOffset >= 0) {
            position = frameOffset;
            frameOffset = -1;
        }
    }

    /** Checks the frame at a file position; {@code reload} forces fresh bytes from the file. */
    private FrameCheck checkAt(long pos, boolean reload) throws IOException {
        if (reload || pos < bufferStart || pos + FrameDescriptor.HEADER_BYTES > bufferStart + bufferEnd) {
            load(pos, FrameDescriptor.HEADER_BYTES);
        }
        int at = (int) (pos - bufferStart);
        int claimed = codec.frameBytesAt(at);
        if (claimed > 0 && pos + claimed > bufferStart + bufferEnd && pos + claimed <= fileBytes) {
            load(pos, claimed);
            at = 0;
        }
        int maxPayload = (int) Math.min(Integer.MAX_VALUE - 64, fileBytes - SegmentHeaderDescriptor.HEADER_BYTES);
        return codec.check(at, bufferEnd, maxPayload);
    }

    private boolean allZerosAfter(long pos) throws IOException {
        long p = pos;
        while (p < fileBytes) {
            load(p, 8);
            if (!codec.allZero(0, bufferEnd)) {
                return false;
            }
            p += bufferEnd;
            if (bufferEnd == 0) {
                break;
            }
        }
        return true;
    }

    /** Reads from {@code pos} at least {@code needBytes} (or to the end of the file). */
    private void load(long pos, int needBytes) throws AioException {
        if (needBytes > buffer.capacity()) {
            allocate((needBytes + CHUNK_BYTES - 1) / CHUNK_BYTES * CHUNK_BYTES);
        }
        int len = (int) Math.min(buffer.capacity(), fileBytes - pos);
        one[0].prepareRead(file, pos, AddressOf.buffer(buffer), len);
        ctx.submitAndWait(one, 0, 1);
        if (one[0].result() < 0) {
            throw new AioException("pread", file.path(), -one[0].result());
        }
        bufferStart = pos;
        bufferEnd = one[0].result();
    }

    /**
     * After {@link #next} returned false: what is at {@link #endOffset()}, as the scanner would
     * name it, with {@code expectedLsn} as the record that should have been there.
     */
    FrameVerdict stopVerdict(long expectedLsn) {
        if (stopCheck == FrameCheck.TRUNCATED && position + FrameDescriptor.HEADER_BYTES > fileBytes) {
            return new FrameVerdict(DamageKind.TORN_HEADER, "the segment ends at " + fileBytes + " bytes, before LSN "
                + expectedLsn);
        }
        return FrameVerdict.of(stopCheck, codec, salt, fileBytes - position, expectedLsn);
    }

    public Path path() {
        return file.path();
    }

    /** The current frame's LSN, type, payload and file offset (valid after {@link #next} returned true). */
    public long lsn() {
        return codec.lsn();
    }

    public short type() {
        return codec.type();
    }

    /** The current frame's flags ({@link FrameDescriptor#FLAG_BATCH_CONTINUES}). */
    public short flags() {
        return codec.flags();
    }

    public long frameOffset() {
        return frameOffset;
    }

    /** Where the current frame ends (or the cursor's position when there is none). */
    public long endOffset() {
        return frameOffset >= 0 ? frameOffset + codec.frameBytes() : position;
    }

    /** A read-only view of the current payload, valid until the next call. */
    public ByteBuffer payload() {
        int at = (int) (frameOffset - bufferStart) + FrameDescriptor.HEADER_BYTES;
        ByteBuffer view = buffer.duplicate();
        view.limit(at + codec.length()).position(at);
        return view.slice().asReadOnlyBuffer();
    }

    /** The current payload's native address and length, for zero-copy wrapping. */
    public long payloadAddress() {
        return AddressOf.buffer(buffer) + (frameOffset - bufferStart) + FrameDescriptor.HEADER_BYTES;
    }

    public int payloadLength() {
        return codec.length();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
