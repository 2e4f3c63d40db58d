/**
 * The log's on-disk format, and nothing else (what RocksDB keeps in {@code log_format.h}): the
 * segment header ({@link dev.keel.recovery.format.SegmentHeaderDescriptor}), the frame
 * ({@link dev.keel.recovery.format.FrameDescriptor}), and the codec that writes and checks frames
 * in a buffer ({@link dev.keel.recovery.format.FrameCodec}, its structural verdicts in
 * {@link dev.keel.recovery.format.FrameCheck}). Which frames make a valid log, and where a log
 * ends, is decided by the scanner of {@code dev.keel.recovery} alone; the writer encodes to these
 * descriptors and the readers check with this codec.
 */
package dev.keel.recovery.format;
