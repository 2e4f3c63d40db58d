package dev.keel.recovery;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.aio.AioContext;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening a cleanly closed log without reading its segments: only each segment's header (checked
 * by {@link LogScanner#scanHeaders}, the scanner's own checks) and the COMMIT frame that
 * {@link CleanShutdown} points at are read. Any mismatch answers null and the caller falls back to
 * the full scan.
 */
final class CleanPath {
    private final AioContext ctx;
    private final RecoveryMode mode;

    CleanPath(AioContext ctx, RecoveryMode mode) {
        this.ctx = ctx;
        this.mode = mode;
    }

    RecoveredLog tryOpen(Path dir, List<Path> segmentFiles, long startNanos) throws IOException {
        CleanShutdown marker = CleanShutdown.read(dir);
        if (marker == null || segmentFiles.isEmpty()) {
            return null;
        }
        LogScanner headers = new LogScanner(ctx);
        headers.scanHeaders(segmentFiles); // the scanner's own header checks: one definition of a valid segment
        List<SegmentInfo> live = new ArrayList<>();
        List<Path> spare = new ArrayList<>();
        SegmentScan previous = null;
        for (SegmentScan s : headers.segments()) {
            if (s.index > marker.lastSegmentIndex()) {
                if (!s.blank) {
                    return null;
                }
                spare.add(s.path);
                continue;
            }
            // A header the scanner accepted, of the marker's log, right after the previous one.
            if (s.header == null || s.header.logId() != marker.logId() || (previous != null && s.index != previous.index + 1)) {
                return null;
            }
            if (previous != null) {
                live.add(new SegmentInfo(previous.index, previous.path, previous.header.firstLsn(), s.header.firstLsn() - 1,
                    previous.header.segmentBytes()));
            }
            previous = s;
        }
        ByteBuffer block = BufferUtil.allocateDirectAligned(SegmentHeaderDescriptor.HEADER_BYTES, 4096);
        if (previous == null || previous.index != marker.lastSegmentIndex()
            || !commitFrameThere(previous.path, marker, block, new UnsafeBuffer(block))) {
            return null;
        }
        live.add(new SegmentInfo(previous.index, previous.path, previous.header.firstLsn(), marker.lastLsn(),
            marker.endOffsetBytes()));
        long first = 0;
        for (SegmentInfo s : live) {
            if (!s.isEmpty()) {
                first = s.firstLsn();
                break;
            }
        }
        long records = first == 0 ? 0 : marker.lastLsn() - first + 1;
        RecoveryReport report = new RecoveryReport(mode, true, segmentFiles.size(), headers.bytesRead(), records, first,
            records == 0 ? 0 : marker.lastLsn(), 0, List.of(), List.of(), List.of(), System.nanoTime() - startNanos);
        return new RecoveredLog(marker.logId(), live, spare, marker.lastLsn() + 1, report);
    }

    private boolean commitFrameThere(Path last, CleanShutdown marker, ByteBuffer block, UnsafeBuffer view)
        throws IOException {
        long frameAt = marker.endOffsetBytes() - FrameDescriptor.HEADER_BYTES;
        if (frameAt < SegmentHeaderDescriptor.HEADER_BYTES) {
            return false;
        }
        try (NativeFile f = NativeFile.open(last, OpenFlag.READ)) {
            int n = LogRecovery.readBlock(ctx, f, frameAt, block, FrameDescriptor.HEADER_BYTES * 2);
            FrameCodec codec = new FrameCodec(block);
            return n >= FrameDescriptor.HEADER_BYTES
                && codec.check(0, n, 0) == FrameCheck.VALID
                && codec.type() == FrameDescriptor.TYPE_COMMIT
                && codec.lsn() == marker.lastLsn()
                && codec.salt() == FrameDescriptor.salt(marker.logId(), marker.lastSegmentIndex())
                && (n < FrameDescriptor.HEADER_BYTES * 2 || view.getLong(FrameDescriptor.HEADER_BYTES) == 0);
        }
    }
}
