package dev.keel.recovery.format;

/** What {@link FrameCodec#check} found at a position: the structural verdict, before LSN and salt. */
public enum FrameCheck {
    /** Length word, bounds and CRC are right. */
    VALID,
    /** The length word is zero: preallocated space, or a zeroed range. */
    ZEROS,
    /** The length and its complement disagree: a torn or overwritten length. */
    TORN_LENGTH,
    /** The length is consistent but impossible (beyond the segment or the record limit). */
    BAD_LENGTH,
    /** The frame reaches past the bytes available: a write cut short, or more must be read. */
    TRUNCATED,
    /** Everything is in place but the CRC does not match: torn or damaged bytes. */
    BAD_CRC
}
