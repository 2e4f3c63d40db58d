package dev.keel.recovery;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Sequential reads of one file through the AIO layer, with a window of reads in flight, so
 * that checking the bytes already here overlaps reading the next ones.
 *
 * <pre>
 *   buffer: [ consumed | ready (validEnd) | reads in flight (submittedEnd) | free ]
 *            ^bufferStart = file offset of buffer[0]
 * </pre>
 *
 * {@link #ensure} returns the buffer index of a file offset once the bytes asked for are in;
 * when they would not fit, the unread tail is moved to the front (after every read in flight
 * has landed) and the window starts again. Each refill is one batch ({@code submit}) of
 * chunk-sized reads; chunks are consumed in order through {@code await}/{@code poll}. Not thread
 * safe.
 */
final class WindowedReader {
    private final AioContext ctx;
    private final int chunkBytes;
    private final int windowChunks;
    private ByteBuffer byteBuffer;
    private UnsafeBuffer buffer;
    private NativeFile file;
    private long fileBytes;
    private long bufferStart;
    private int validEnd;
    private int submittedEnd;
    private AioRequest[] chunks;
    private final AioRequest[] completed;
    private int inFlight;
    private long bytesRead;

    WindowedReader(AioContext ctx, int chunkBytes, int windowChunks) {
        this.ctx = ctx;
        this.chunkBytes = chunkBytes;
        this.windowChunks = windowChunks;
        this.completed = new AioRequest[windowChunks];
        allocate(chunkBytes * windowChunks);
    }

    private void allocate(int capacity) {
        byteBuffer = BufferUtil.allocateDirectAligned(capacity, 4096);
        buffer = new UnsafeBuffer(byteBuffer);
        chunks = new AioRequest[(capacity + chunkBytes - 1) / chunkBytes];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = new AioRequest();
        }
    }

    /** Starts reading {@code file} (of {@code fileBytes}) from offset 0. */
    void open(NativeFile file, long fileBytes) throws AioException {
        drain();
        this.file = file;
        this.fileBytes = fileBytes;
        this.bufferStart = 0;
        this.validEnd = 0;
        this.submittedEnd = 0;
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    ByteBuffer byteBuffer() {
        return byteBuffer;
    }

    long bufferStart() {
        return bufferStart;
    }

    long bytesRead() {
        return bytesRead;
    }

    /**
     * Makes {@code [position, position + needBytes)} (cut at the end of the file) readable and
     * returns the buffer index of {@code position}. Call {@link #readyEnd()} for how far the
     * bytes go.
     */
    int ensure(long position, int needBytes) throws AioException {
        long wantEnd = Math.min(fileBytes, position + needBytes);
        if (position < bufferStart) {
            throw new IllegalStateException("position=" + position + " is behind the window at " + bufferStart);
        }
        if (wantEnd - bufferStart > buffer.capacity()) {
            shift(position, (int) (wantEnd - position));
        }
        int wantIndex = (int) (wantEnd - bufferStart);
        while (validEnd < Math.min(wantIndex, fileBytes - bufferStart)) {
            if (inFlight == 0) {
                submitWindow();
                if (inFlight == 0) {
                    break;
                }
            }
            awaitNext();
        }
        if (inFlight == 0 && submittedEnd < buffer.capacity() && bufferStart + submittedEnd < fileBytes) {
            submitWindow();
        }
        return (int) (position - bufferStart);
    }

    /** The buffer index up to which bytes are readable. */
    int readyEnd() {
        return validEnd;
    }

    private void shift(long position, int needBytes) throws AioException {
        drain();
        int from = (int) (position - bufferStart);
        int keep = Math.max(0, validEnd - from);
        if (needBytes > buffer.capacity()) {
            ByteBuffer old = byteBuffer;
            allocate(((needBytes + chunkBytes - 1) / chunkBytes + windowChunks) * chunkBytes);
            for (int i = 0; i < keep; i++) {
                buffer.putByte(i, old.get(from + i));
            }
        } else if (keep > 0) {
            buffer.putBytes(0, buffer, from, keep);
        }
        bufferStart = position;
        validEnd = keep;
        submittedEnd = keep;
        for (AioRequest r : chunks) {
            r.attachment(null);
        }
    }

    private void submitWindow() throws AioException {
        int first = (submittedEnd + chunkBytes - 1) / chunkBytes;
        int count = 0;
        long base = AddressOf.buffer(byteBuffer);
        int at = submittedEnd;
        while (count < windowChunks && at < buffer.capacity() && bufferStart + at < fileBytes) {
            int len = (int) Math.min(Math.min(chunkBytes - at % chunkBytes, buffer.capacity() - at), fileBytes - bufferStart - at);
            AioRequest r = chunks[(first + count) % chunks.length];
            r.prepareRead(file, bufferStart + at, base + at, len).tag(at);
            completed[count] = r;
            at += len;
            count++;
        }
        int accepted = 0;
        while (accepted < count) {
            accepted += ctx.submit(completed, accepted, count - accepted);
        }
        inFlight += count;
        submittedEnd = at;
    }

    /** Waits for the read at validEnd; later chunks that land first are kept until their turn. */
    private void awaitNext() throws AioException {
        int n = ctx.await(completed, 1, completed.length, AioContext.INFINITE);
        for (int i = 0; i < n; i++) {
            AioRequest r = completed[i];
            inFlight--;
            if (r.result() < 0) {
                throw new AioException("pread", file.path(), -r.result());
            }
            bytesRead += r.result();
            if (r.result() < r.length()) {
                // The file is shorter than it was when the scan began: stop at what is there.
                fileBytes = bufferStart + (int) r.tag() + r.result();
            }
            r.attachment(Boolean.TRUE);
        }
        advanceValidEnd();
    }

    private void advanceValidEnd() {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (AioRequest r : chunks) {
                if (r.attachment() == Boolean.TRUE && (int) r.tag() == validEnd) {
                    validEnd += Math.max(0, r.result());
                    r.attachment(null);
                    moved = r.result() > 0;
                }
            }
        }
        int fileEndIndex = (int) Math.min(Integer.MAX_VALUE, fileBytes - bufferStart);
        if (validEnd > fileEndIndex) {
            validEnd = fileEndIndex;
        }
    }

    private void drain() throws AioException {
        while (inFlight > 0) {
            awaitNext();
        }
    }

    /**
     * Waits for every read in flight on the current file (the window reads ahead), so that the
     * caller may close it: a read still queued on a closed descriptor fails with EBADF, or reads
     * whatever file reused the number.
     */
    void finishFile() throws AioException {
        drain();
    }

    void close() throws AioException {
        drain();
    }
}
