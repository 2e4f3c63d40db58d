package dev.keel.wal;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * {@link Wal#read}: one record by LSN. The segment comes from a binary search of the segment
 * table, the frame's offset from the segment's {@link RecordOffsets}, and the frame from one
 * positional read (two for a segment's last record, whose size is not bounded by a next
 * offset); it is checked (length word, CRC, LSN, segment salt) before its payload is returned.
 * No scan from a segment's start, except once per segment recovered from disk, to index it.
 */
final class PointReader {
    /** A record read back: its payload and frame flags. */
    record Frame(byte[] payload, short flags) {
    }

    private final Wal wal;
    private final boolean skipDamage;

    PointReader(Wal wal) {
        this.wal = wal;
        this.skipDamage = wal.options().recoveryMode() == RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS;
    }

    /** The record {@code lsn} (which the caller checked is durable and live), or null if the log has no such record. */
    Frame read(long lsn) throws IOException {
        Segments.Ref ref = wal.segments().find(lsn);
        if (ref == null) {
            return null;
        }
        RecordOffsets offsets = ref.offsets();
        if (!offsets.isComplete()) {
            offsets.build(wal.readContext(), ref.path(), ref.index(), wal.segments().logId(), wal.durableLsn(), skipDamage);
        }
        int offset = offsets.offsetOf(lsn);
        if (offset == RecordOffsets.ABSENT) {
            return null;
        }
        FileChannel ch = ref.channel().get();
        int span = offsets.spanOf(lsn);
        ByteBuffer frame = readFully(ch, offset, span > 0 ? span : FrameDescriptor.HEADER_BYTES);
        int claimed = new FrameCodec(frame).frameBytesAt(0);
        if (claimed > frame.capacity()) {
            frame = readFully(ch, offset, claimed);
        }
        FrameCodec codec = new FrameCodec(frame);
        FrameCheck check = codec.check(0, frame.capacity(), frame.capacity() - FrameDescriptor.HEADER_BYTES);
        if (check != FrameCheck.VALID || codec.lsn() != lsn
            || codec.salt() != FrameDescriptor.salt(wal.segments().logId(), ref.index())) {
            throw new CorruptLogException("record " + lsn + " at offset " + offset + " of " + ref.path() + " does not read back: "
                + check + (check == FrameCheck.VALID ? " (frame holds LSN " + codec.lsn() + ")" : ""), List.of());
        }
        byte[] payload = new byte[codec.length()];
        frame.get(FrameDescriptor.HEADER_BYTES, payload);
        return new Frame(payload, codec.flags());
    }

    private static ByteBuffer readFully(FileChannel ch, long offset, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                break; // past the end of the file: check() reports the frame TRUNCATED
            }
        }
        return b.clear();
    }
}
