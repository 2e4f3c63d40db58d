package dev.keel.recovery;

/** The rows of {@link DamageTable}: what recovery can find in a log. */
public enum DamageKind {
    /** A frame's length word is torn, impossible, or the header is cut short. */
    TORN_HEADER,
    /** A frame's payload is cut short or fails its CRC, with no proof it was ever durable. */
    TORN_PAYLOAD,
    /** A frame fails its CRC although a later frame proves it was durable. */
    BAD_CRC,
    /** Zeros in the middle of the log, with durable frames after them. */
    ZEROED_RANGE,
    /** A valid frame of this log where it does not belong (an earlier use of the file, a wrong LSN). */
    STALE_FRAME,
    /** A valid frame of another log. */
    FOREIGN_FRAME,
    /** Valid frames whose LSNs skip: records are missing. */
    LSN_GAP,
    /** Segment files are missing between two that exist. */
    MISSING_SEGMENT,
    /** A segment header that is cut short or fails its checksum. */
    BAD_SEGMENT_HEADER,
    /** A segment written by a format version this Keel cannot read. */
    UNKNOWN_FORMAT_VERSION,
    /** A frame type this Keel does not know and may not skip. */
    UNKNOWN_RECORD_TYPE
}
