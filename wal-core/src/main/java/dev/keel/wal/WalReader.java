package dev.keel.wal;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.RecordCursor;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads durable records in LSN order from a starting LSN. At the end {@link #next()} returns
 * false, and may return true later once more records are durable, so a consumer can tail the
 * log by calling it again. Only durable records are ever returned. One thread per reader.
 *
 * <p>A durable record is never absent: when one cannot be read (a frame that does not validate,
 * a record missing below the durable LSN), {@link #next()} throws {@link CorruptLogException}
 * naming the segment, the offset and the LSN, and never answers false as if the log ended there
 * (in SKIP_ANY_CORRUPTED_RECORDS it steps over the damage, as recovery does). The walk is
 * {@link RecordCursor}'s, the same one {@code keel dump} uses.
 */
public final class WalReader implements AutoCloseable {
    private final ReadSource log;
    private final RecordCursor records;
    private boolean closed;
    private PointerBytesStore pointer;

    WalReader(ReadSource log, long fromLsn) {
        this.log = log;
        this.records = new RecordCursor(log.readContext(), new LiveSegments(log.segments()), log.segments().logId(), fromLsn,
            log.skipDamage());
    }

    /**
     * Moves to the next durable record; false when there is none (yet).
     *
     * @throws CorruptLogException when a durable record cannot be read
     */
    public boolean next() throws IOException {
        if (closed) {
            throw new IllegalStateException("reader is closed");
        }
        log.checkOpen().run();
        return records.next(log.durableLsn().getAsLong());
    }

    /** The current record's LSN. */
    public long lsn() {
        return records.lsn();
    }

    /**
     * The current record's payload as a Chronicle {@code BytesStore} over the reader's buffer:
     * no copy, no allocation; valid until the next call to {@link #next()}. Do not write to it.
     */
    public BytesStore<?, ?> payloadBytes() {
        if (pointer == null) {
            pointer = new PointerBytesStore();
        }
        pointer.set(records.payloadAddress(), records.payloadLength());
        return pointer;
    }

    /** The current record's payload, read-only, valid until the next call to {@link #next()}. */
    public ByteBuffer payload() {
        return records.payload();
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            records.close();
        }
    }

    /** The log's live segment table as the cursor asks it (it changes as segments roll and go). */
    private record LiveSegments(Segments segments) implements RecordCursor.SegmentSource {
        @Override
        public RecordCursor.SegmentRef find(long lsn) {
            return ref(segments.find(lsn));
        }

        @Override
        public RecordCursor.SegmentRef after(long index) {
            return ref(segments.after(index));
        }

        private static RecordCursor.SegmentRef ref(Segments.Ref r) {
            return r == null ? null : new RecordCursor.SegmentRef(r.index(), r.path(), r.firstLsn());
        }
    }
}
