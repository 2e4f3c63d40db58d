package dev.keel.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A segment's read-only channel for point reads, opened on first use and shared by every
 * reading thread: {@link FileChannel#read(java.nio.ByteBuffer, long)} is a positional read
 * ({@code pread}) that needs no lock and moves no shared position. Point reads use it rather
 * than the AIO layer because one read is one synchronous system call either way, and a
 * positional read on a channel is safe from any number of threads at once.
 */
final class SegmentChannel {
    private final Path path;
    private FileChannel channel;
    private boolean closed;

    SegmentChannel(Path path) {
        this.path = path;
    }

    /** The open channel; throws {@link java.nio.channels.ClosedChannelException} once the segment is gone. */
    synchronized FileChannel get() throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (channel == null) {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        return channel;
    }

    /** Drops the open channel, so the next read opens the file now at the path (truncateAfter replaced it). */
    synchronized void reopen() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // A read-only channel has nothing to flush: closing cannot lose data.
            }
            channel = null;
        }
    }

    /** Closes the channel (the segment is being deleted, or the log closed); idempotent. */
    synchronized void close() {
        closed = true;
        reopen();
    }
}
