package dev.keel.wal;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentCursor;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads durable records in LSN order from a starting LSN. At the end {@link #next()} returns
 * false, and may return true later once more records are durable, so a consumer can tail the
 * log by calling it again. Only durable records are ever returned. One thread per reader.
 */
public final class WalReader implements AutoCloseable {
    private final ReadSource log;
    private final boolean skipDamage;
    private long nextLsn;
    private SegmentCursor cursor;
    private long lsn;
    private boolean closed;
    private PointerBytesStore pointer;

    WalReader(ReadSource log, long fromLsn) {
        this.log = log;
        this.nextLsn = fromLsn;
        this.skipDamage = log.skipDamage();
    }

    /** Moves to the next durable record; false when there is none (yet). */
    public boolean next() throws IOException {
        if (closed) {
            throw new IllegalStateException("reader is closed");
        }
        log.checkOpen().run();
        while (nextLsn <= log.durableLsn().getAsLong()) {
            if (cursor == null && !openCursor()) {
                return false;
            }
            if (cursor.next(skipDamage)) {
                if (cursor.type() != FrameDescriptor.TYPE_RECORD || cursor.lsn() < nextLsn) {
                    continue;
                }
                if (cursor.lsn() > log.durableLsn().getAsLong()) {
                    return false;
                }
                lsn = cursor.lsn();
                nextLsn = lsn + 1;
                return true;
            }
            Segments.Ref after = log.segments().after(cursor.index());
            if (after == null || after.firstLsn() > nextLsn && !skipDamage) {
                return false;
            }
            cursor.close();
            cursor = new SegmentCursor(log.readContext(), after.path(), after.index(), log.segments().logId());
        }
        return false;
    }

    private boolean openCursor() throws IOException {
        Segments.Ref ref = log.segments().find(nextLsn);
        if (ref == null) {
            return false;
        }
        cursor = new SegmentCursor(log.readContext(), ref.path(), ref.index(), log.segments().logId());
        return true;
    }

    /** The current record's LSN. */
    public long lsn() {
        return lsn;
    }

    /**
     * The current record's payload as a Chronicle {@code BytesStore} over the reader's buffer:
     * no copy, no allocation; valid until the next call to {@link #next()}. Do not write to it.
     */
    public BytesStore<?, ?> payloadBytes() {
        if (pointer == null) {
            pointer = new PointerBytesStore();
        }
        pointer.set(cursor.payloadAddress(), cursor.payloadLength());
        return pointer;
    }

    /** The current record's payload, read-only, valid until the next call to {@link #next()}. */
    public ByteBuffer payload() {
        return cursor.payload();
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (cursor != null) {
                cursor.close();
            }
        }
    }
}
