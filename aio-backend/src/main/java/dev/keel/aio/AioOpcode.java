package dev.keel.aio;

/** The operation an {@link AioRequest} is prepared for. */
public enum AioOpcode {
    READ,
    /** A positional write at an explicit offset. */
    WRITE,
    /** A write at the end of an O_APPEND file; appends to one file land in submission order. */
    APPEND,
    /** A barrier: completes after every earlier write to its file, then syncs (DATA or FILE). */
    SYNC
}
