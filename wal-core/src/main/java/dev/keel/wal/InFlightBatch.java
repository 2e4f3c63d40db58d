package dev.keel.wal;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.agrona.BufferUtil;

import java.nio.ByteBuffer;

/** A batch in flight and the requests it was made of; pooled. */
final class InFlightBatch {
    /** Seal sync, header write, two ring pieces (a wrap), the batch's sync: five; one to spare. */
    static final int MAX_REQUESTS = 6;

    final AioRequest[] requests = new AioRequest[MAX_REQUESTS];
    final ByteBuffer header = BufferUtil.allocateDirectAligned(SegmentHeaderDescriptor.HEADER_BYTES, 4096);
    int count;
    int pending;
    long endPosition;
    long bytes;
    /** The open piece: contiguous frames from this ring position, at this file offset. */
    long pieceStart;
    long pieceFileOffset;
    int pieceBytes;
    /** No more frames may join (full, or the next frame is in another segment). */
    boolean cut;
    /** DIRECT: the batch's aligned copy. */
    final DirectLayout.Staging staging = new DirectLayout.Staging();
    long lastLsn;
    long submittedNanos;
    NativeFile closeAfter;

    InFlightBatch() {
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new AioRequest();
        }
    }

    AioRequest next() {
        pending++;
        return requests[count++];
    }

    long headerAddress() {
        return AddressOf.buffer(header);
    }

    void reset() {
        count = 0;
        pending = 0;
        bytes = 0;
        pieceBytes = 0;
        staging.bytes = 0;
        cut = false;
        closeAfter = null;
    }

    boolean hasContent() {
        return count > 0 || pieceBytes > 0 || staging.bytes > 0;
    }
}
