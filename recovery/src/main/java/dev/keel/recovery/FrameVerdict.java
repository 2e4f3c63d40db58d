package dev.keel.recovery;

import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;

/**
 * What a frame that cannot be taken at a position is, as damage: the one mapping from a
 * {@link FrameCheck} (and, for a frame that checks but does not belong, its salt and type) to a
 * {@link DamageKind} and a detail for people. The scanner names its findings with it and a
 * reader names the damage it meets with it, so both say the same thing about the same bytes.
 *
 * @param kind the decision table's row
 * @param detail what exactly is there
 */
record FrameVerdict(DamageKind kind, String detail) {

    /**
     * @param check what the codec found at the position
     * @param codec the codec that checked it (its accessors describe the frame when {@code check} is VALID)
     * @param segmentSalt the salt frames of this segment carry
     * @param bytesLeft bytes from the position to the end of the file
     * @param expectedLsn the LSN the log expects there
     */
    static FrameVerdict of(FrameCheck check, FrameCodec codec, int segmentSalt, long bytesLeft, long expectedLsn) {
        return switch (check) {
            case TORN_LENGTH, BAD_LENGTH -> new FrameVerdict(DamageKind.TORN_HEADER,
                "frame length word is " + (check == FrameCheck.TORN_LENGTH ? "torn" : "impossible"));
            case TRUNCATED -> new FrameVerdict(bytesLeft < FrameDescriptor.HEADER_BYTES ? DamageKind.TORN_HEADER
                : DamageKind.TORN_PAYLOAD, "frame is cut short by the end of the file");
            case BAD_CRC -> new FrameVerdict(DamageKind.TORN_PAYLOAD, "frame checksum mismatch");
            case ZEROS -> new FrameVerdict(DamageKind.ZEROED_RANGE, "zeros where LSN " + expectedLsn + " should be");
            case VALID -> misplaced(codec, segmentSalt, expectedLsn);
        };
    }

    /** A frame that checks but cannot be taken here: unknown and not skippable, stale, or another log's. */
    private static FrameVerdict misplaced(FrameCodec codec, int segmentSalt, long expectedLsn) {
        if (codec.salt() == segmentSalt && codec.type() != FrameDescriptor.TYPE_RECORD
            && codec.type() != FrameDescriptor.TYPE_COMMIT && !FrameDescriptor.isSkippable(codec.type())) {
            return unknownType(codec.type());
        }
        boolean sameLog = FrameDescriptor.sameLog(codec.salt(), segmentSalt);
        if (!sameLog) {
            return new FrameVerdict(DamageKind.FOREIGN_FRAME, "valid frame of another log");
        }
        return new FrameVerdict(DamageKind.STALE_FRAME, "valid frame of LSN " + codec.lsn() + " from "
            + (codec.salt() == segmentSalt ? "an earlier LSN (expected " + expectedLsn + ")" : "another segment of this log"));
    }

    static FrameVerdict unknownType(short type) {
        return new FrameVerdict(DamageKind.UNKNOWN_RECORD_TYPE,
            "frame type 0x" + Integer.toHexString(type & 0xFFFF) + " is unknown and not skippable");
    }

    static FrameVerdict lsnJump(long lastLsn, long foundLsn) {
        return new FrameVerdict(DamageKind.LSN_GAP, "LSN jumps from " + lastLsn + " to " + foundLsn);
    }

    /**
     * The same verdict where durable records follow (below the log's last LSN): a torn frame
     * there is a checksum failure, never a torn tail, as {@link LogRecovery} names it too.
     */
    FrameVerdict midLog() {
        return kind == DamageKind.TORN_HEADER || kind == DamageKind.TORN_PAYLOAD ? new FrameVerdict(DamageKind.BAD_CRC, detail)
            : this;
    }
}
