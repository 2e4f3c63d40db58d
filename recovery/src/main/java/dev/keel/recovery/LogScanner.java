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
 * Reads every segment of a log, in order, and records what it finds: the records each segment
 * holds, and each {@link Finding} with the evidence after it. It decides nothing: the
 * {@link DamageTable} does, given the mode. Reads go through a {@link WindowedReader}.
 *
 * <p>After damage the scan resynchronises: it steps over a frame whose length it can trust,
 * otherwise 8 bytes at a time, until a valid frame of this segment with an LSN not yet seen, so
 * that later durable frames are found and counted as evidence against the damage being a tail.
 */
final class LogScanner {
    /**
     * A bug the crash-state explorer's mutation test plants (tests only; nothing public reaches
     * it): every later valid frame counts as proof that everything before it was durable, so a
     * hole that a torn multi-page batch leaves before its own later pages is taken for mid-log
     * corruption, and a log an ordinary power cut left is refused.
     */
    static volatile boolean plantedHoleIsCorruption;

    static final int CHUNK_BYTES = 1 << 20;
    static final int WINDOW_CHUNKS = 8;

    private final AioContext ctx;
    private final WindowedReader reader;
    private FrameCodec codec;
    private final List<SegmentScan> segments = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private long logId;
    private boolean logIdKnown;
    private long expectedLsn;
    private long maxAcceptedLsn;
    private long bytesReadHeadersOnly;

    LogScanner(AioContext ctx) {
        this.ctx = ctx;
        this.reader = new WindowedReader(ctx, CHUNK_BYTES, WINDOW_CHUNKS);
    }

    List<SegmentScan> segments() {
        return segments;
    }

    List<Finding> findings() {
        return findings;
    }

    long logId() {
        return logId;
    }

    boolean logIdKnown() {
        return logIdKnown;
    }

    long bytesRead() {
        return reader.bytesRead() + bytesReadHeadersOnly;
    }

    /**
     * Scans the segment files of {@code dir}, which must be sorted by index, then weighs the
     * findings against {@code marker} (a valid clean-shutdown marker, or null).
     */
    void scan(Path dir, List<Path> files, CleanShutdown marker) throws IOException {
        scan(files);
        if (marker != null && (!logIdKnown || marker.logId() == logId)) {
            applyMarker(dir, marker);
        }
    }

    /**
     * Reads and checks only each segment's header (what a clean close and {@code keel stat} need):
     * the same checks as the full scan, without walking the frames. Findings are the headers'.
     */
    void scanHeaders(List<Path> files) throws IOException {
        learnLogId(files);
        ByteBuffer block = BufferUtil.allocateDirectAligned(SegmentHeaderDescriptor.HEADER_BYTES, 4096);
        UnsafeBuffer view = new UnsafeBuffer(block);
        for (int ordinal = 0; ordinal < files.size(); ordinal++) {
            SegmentScan s = new SegmentScan(files.get(ordinal), SegmentFiles.indexOf(files.get(ordinal)));
            segments.add(s);
            try (NativeFile f = NativeFile.open(s.path, OpenFlag.READ)) {
                s.fileBytes = f.size();
                bytesReadHeadersOnly += LogRecovery.readBlock(ctx, f, 0, block, SegmentHeaderDescriptor.HEADER_BYTES);
                if (s.fileBytes < SegmentHeaderDescriptor.HEADER_BYTES) {
                    s.headerProblem = shortFile(s);
                    record(new Finding(ordinal, s.path, s.index, 0, s.fileBytes, DamageKind.BAD_SEGMENT_HEADER,
                        s.headerProblem, expectedLsn));
                    continue;
                }
                readHeader(ordinal, s, view, 0, ordinal == files.size() - 1);
            }
        }
        reader.close();
    }

    private static String shortFile(SegmentScan s) {
        return "file is " + s.fileBytes + " bytes, shorter than the " + SegmentHeaderDescriptor.HEADER_BYTES
            + "-byte segment header";
    }

    /** Scans the segment files, which must be sorted by index. */
    void scan(List<Path> files) throws IOException {
        learnLogId(files);
        long previousIndex = -1;
        for (int ordinal = 0; ordinal < files.size(); ordinal++) {
            Path path = files.get(ordinal);
            long index = SegmentFiles.indexOf(path);
            if (previousIndex >= 0 && index != previousIndex + 1) {
                record(new Finding(ordinal, path, index, 0, 0, DamageKind.MISSING_SEGMENT,
                    "segments " + (previousIndex + 1) + " to " + (index - 1) + " are missing", expectedLsn));
            }
            previousIndex = index;
            SegmentScan s = new SegmentScan(path, index);
            segments.add(s);
            scanSegment(ordinal, s, ordinal == files.size() - 1);
        }
        reader.close();
    }

    /**
     * Takes the log's id from the first segment header that checks, before any segment is
     * walked: when the first segment's own header is damaged, its frames are still recognised
     * as this log's (their salt carries the id) instead of being reported as another log's.
     */
    private void learnLogId(List<Path> files) throws IOException {
        ByteBuffer block = BufferUtil.allocateDirectAligned(SegmentHeaderDescriptor.HEADER_BYTES, 4096);
        UnsafeBuffer view = new UnsafeBuffer(block);
        for (Path path : files) {
            try (NativeFile f = NativeFile.open(path, OpenFlag.READ)) {
                if (LogRecovery.readBlock(ctx, f, 0, block, SegmentHeaderDescriptor.HEADER_BYTES)
                    == SegmentHeaderDescriptor.HEADER_BYTES && !SegmentHeaderDescriptor.isBlank(view, 0)
                    && SegmentHeaderDescriptor.problem(view, 0) == null) {
                    logId = SegmentHeaderDescriptor.decode(view, 0).logId();
                    logIdKnown = true;
                    return;
                }
            }
        }
    }

    private void scanSegment(int ordinal, SegmentScan s, boolean last) throws IOException {
        try (NativeFile file = NativeFile.open(s.path, OpenFlag.READ)) {
            s.fileBytes = file.size();
            if (s.fileBytes < SegmentHeaderDescriptor.HEADER_BYTES) {
                s.headerProblem = shortFile(s);
                record(new Finding(ordinal, s.path, s.index, 0, s.fileBytes, DamageKind.BAD_SEGMENT_HEADER, s.headerProblem,
                    expectedLsn));
                s.dirtyEnd = s.fileBytes;
                return;
            }
            reader.open(file, s.fileBytes);
            try {
                int at = reader.ensure(0, SegmentHeaderDescriptor.HEADER_BYTES);
                if (readHeader(ordinal, s, reader.buffer(), at, last)) {
                    walkFrames(ordinal, s);
                }
            } finally {
                reader.finishFile();
            }
        }
    }

    /** Checks the header; returns false when the segment's frames cannot be interpreted at all. */
    private boolean readHeader(int ordinal, SegmentScan s, UnsafeBuffer buffer, int at, boolean last) {
        if (SegmentHeaderDescriptor.isBlank(buffer, at)) {
            s.blank = true;
            if (!last) {
                record(new Finding(ordinal, s.path, s.index, 0, SegmentHeaderDescriptor.HEADER_BYTES,
                    DamageKind.BAD_SEGMENT_HEADER, "segment header is all zeros but later segments exist", expectedLsn));
            }
            return true;
        }
        String problem = SegmentHeaderDescriptor.problem(buffer, at);
        if (problem != null) {
            s.headerProblem = problem;
            DamageKind kind = problem.startsWith("format version") ? DamageKind.UNKNOWN_FORMAT_VERSION
                : DamageKind.BAD_SEGMENT_HEADER;
            record(new Finding(ordinal, s.path, s.index, 0, SegmentHeaderDescriptor.HEADER_BYTES, kind, problem, expectedLsn));
            s.dirtyEnd = SegmentHeaderDescriptor.HEADER_BYTES;
            return kind != DamageKind.UNKNOWN_FORMAT_VERSION;
        }
        SegmentHeaderDescriptor.Header h = SegmentHeaderDescriptor.decode(buffer, at);
        if (!logIdKnown) {
            logId = h.logId();
            logIdKnown = true;
        } else if (h.logId() != logId) {
            s.headerProblem = "segment belongs to log " + Long.toHexString(h.logId()) + ", not " + Long.toHexString(logId);
            record(new Finding(ordinal, s.path, s.index, 0, s.fileBytes, DamageKind.FOREIGN_FRAME, s.headerProblem,
                expectedLsn));
            return false;
        }
        if (h.segmentIndex() != s.index) {
            s.headerProblem = "header names segment " + h.segmentIndex() + " but the file is segment " + s.index;
            record(new Finding(ordinal, s.path, s.index, 0, SegmentHeaderDescriptor.HEADER_BYTES, DamageKind.STALE_FRAME,
                s.headerProblem, expectedLsn));
            return false;
        }
        s.header = h;
        if (expectedLsn > 0 && h.firstLsn() != expectedLsn && !lastFindingCovers(h.firstLsn())) {
            DamageKind kind = h.firstLsn() > expectedLsn ? DamageKind.LSN_GAP : DamageKind.STALE_FRAME;
            record(new Finding(ordinal, s.path, s.index, 0, 0, kind,
                "segment starts at LSN " + h.firstLsn() + ", expected " + expectedLsn, expectedLsn));
        }
        expectedLsn = Math.max(h.firstLsn(), maxAcceptedLsn + 1);
        return true;
    }

    private int salt(SegmentScan s) {
        return FrameDescriptor.salt(logId, s.index);
    }

    private FrameCodec codec() {
        if (codec == null || codec.buffer().byteBuffer() != reader.byteBuffer()) {
            codec = new FrameCodec(reader.byteBuffer());
        }
        return codec;
    }

    private void walkFrames(int ordinal, SegmentScan s) throws IOException {
        long pos = SegmentHeaderDescriptor.HEADER_BYTES;
        int maxPayload = (int) Math.min(Integer.MAX_VALUE - 64,
            s.fileBytes - SegmentHeaderDescriptor.HEADER_BYTES - FrameDescriptor.HEADER_BYTES);
        Finding open = null;
        while (pos < s.fileBytes) {
            int at = reader.ensure(pos, FrameDescriptor.HEADER_BYTES);
            FrameCheck check = codec().check(at, reader.readyEnd(), maxPayload);
            if (check == FrameCheck.TRUNCATED && reader.bufferStart() + reader.readyEnd() < s.fileBytes) {
                long word = reader.buffer().getLong(at);
                int need = FrameDescriptor.frameBytes((int) word);
                at = reader.ensure(pos, need);
                check = codec().check(at, reader.readyEnd(), maxPayload);
            }
            if (check == FrameCheck.ZEROS) {
                long nonZero = skipZeros(pos, s.fileBytes);
                if (nonZero >= s.fileBytes) {
                    return;
                }
                if (open == null) {
                    open = record(new Finding(ordinal, s.path, s.index, pos, nonZero - pos, DamageKind.ZEROED_RANGE,
                        "zeros from " + pos + " to " + nonZero + " with data after them", expectedLsn));
                }
                pos = nonZero;
                continue;
            }
            if (check == FrameCheck.VALID && codec.salt() == salt(s)
                && (codec.lsn() >= expectedLsn || codec.type() != FrameDescriptor.TYPE_RECORD)) {
                if (acceptFrame(ordinal, s, pos)) {
                    if (open != null) {
                        open.lengthBytes = pos - open.offsetBytes;
                        open.resumeLsn = codec.lsn();
                        open = null;
                    }
                    pos += codec.frameBytes();
                    s.endOffset = pos;
                    s.dirtyEnd = Math.max(s.dirtyEnd, pos);
                    continue;
                }
            }
            if (open == null) {
                open = record(describe(ordinal, s, pos, check));
            }
            long step = check == FrameCheck.VALID || check == FrameCheck.BAD_CRC ? Math.max(8, codec.frameBytesAt(at))
                : FrameDescriptor.ALIGNMENT;
            pos += step;
            s.dirtyEnd = Math.max(s.dirtyEnd, Math.min(pos, s.fileBytes));
            open.lengthBytes = Math.min(pos, s.fileBytes) - open.offsetBytes;
        }
    }

    /** Accepts the VALID frame the codec just checked; false when it is not acceptable here. */
    private boolean acceptFrame(int ordinal, SegmentScan s, long pos) {
        short type = codec.type();
        long lsn = codec.lsn();
        if (type == FrameDescriptor.TYPE_RECORD) {
            if (lsn > expectedLsn && expectedLsn > 0 && !lastFindingCovers(lsn)) {
                FrameVerdict jump = FrameVerdict.lsnJump(expectedLsn - 1, lsn);
                record(new Finding(ordinal, s.path, s.index, pos, 0, jump.kind(), jump.detail(), expectedLsn)).resumeLsn = lsn;
            }
            resumeFindingsAt(lsn);
            if (s.records == 0) {
                s.firstLsn = lsn;
            }
            s.lastLsn = lsn;
            s.records++;
            expectedLsn = lsn + 1;
            maxAcceptedLsn = Math.max(maxAcceptedLsn, lsn);
            addEvidence(plantedHoleIsCorruption ? lsn : lsn - (codec.unsyncedSpan() & 0xFFFF_FFFFL));
            return true;
        }
        if (type == FrameDescriptor.TYPE_COMMIT) {
            if (lsn != expectedLsn - 1) {
                return false;
            }
            s.commitLsn = lsn;
            addEvidence(lsn);
            return true;
        }
        // An unknown type that may not be skipped is described (as UNKNOWN_RECORD_TYPE) by the caller.
        return FrameDescriptor.isSkippable(type);
    }

    /**
     * Segment-level findings (a missing segment, a bad header) are not the walk's open finding:
     * the first record accepted after them is where they end, which is what a gap is made of.
     */
    private void resumeFindingsAt(long lsn) {
        for (int i = findings.size() - 1; i >= 0 && findings.get(i).resumeLsn == 0; i--) {
            findings.get(i).resumeLsn = lsn;
        }
    }

    /** True when the newest finding is the one this LSN jump resumes after (no second report). */
    private boolean lastFindingCovers(long lsn) {
        if (findings.isEmpty()) {
            return false;
        }
        Finding f = findings.get(findings.size() - 1);
        return f.resumeLsn == 0 && f.blockedLsn == expectedLsn;
    }

    private Finding describe(int ordinal, SegmentScan s, long pos, FrameCheck check) {
        FrameVerdict v = FrameVerdict.of(check, codec, salt(s), s.fileBytes - pos, expectedLsn);
        return new Finding(ordinal, s.path, s.index, pos, FrameDescriptor.ALIGNMENT, v.kind(), v.detail(), expectedLsn);
    }

    /**
     * A clean close proves every record up to the marker's last LSN acknowledged and durable:
     * findings that destroyed one of them are not a torn tail (DamageTable rows C1), and a log
     * that ends before that LSN with nothing damaged in sight has lost acknowledged records
     * (row C2: its last records zeroed, or its last segment gone).
     */
    private void applyMarker(Path dir, CleanShutdown marker) {
        boolean covered = false;
        for (Finding f : findings) {
            if (f.blockedLsn <= marker.lastLsn()) {
                f.markerLastLsn = marker.lastLsn();
                covered = true;
            }
        }
        if (covered || maxAcceptedLsn >= marker.lastLsn()) {
            return;
        }
        int ordinal = segments.size() - 1;
        while (ordinal >= 0 && segments.get(ordinal).index > marker.lastSegmentIndex()) {
            ordinal--; // spares prepared after the last segment the close wrote
        }
        SegmentScan last = ordinal >= 0 ? segments.get(ordinal) : null;
        String detail = "the log ends at LSN " + maxAcceptedLsn + " but keel.clean, left by the last clean close, says "
            + "it held up to LSN " + marker.lastLsn() + " (segment " + marker.lastSegmentIndex() + ")";
        Finding f;
        if (last == null || last.index < marker.lastSegmentIndex()) {
            f = new Finding(ordinal + 1, SegmentFiles.segmentPath(dir, marker.lastSegmentIndex()), marker.lastSegmentIndex(),
                0, 0, DamageKind.MISSING_SEGMENT, detail, maxAcceptedLsn + 1);
        } else {
            f = new Finding(ordinal, last.path, last.index, last.endOffset, Math.max(0, last.dirtyEnd - last.endOffset),
                DamageKind.ZEROED_RANGE, detail, maxAcceptedLsn + 1);
        }
        f.markerLastLsn = marker.lastLsn();
        record(f);
    }

    private Finding record(Finding f) {
        findings.add(f);
        return f;
    }

    private void addEvidence(long durableLsn) {
        for (Finding f : findings) {
            f.durableEvidenceLsn = Math.max(f.durableEvidenceLsn, durableLsn);
        }
    }

    /** Returns the file offset of the first non-zero 8-byte word at or after {@code pos}, or the end. */
    private long skipZeros(long pos, long fileBytes) throws IOException {
        long p = pos;
        while (p < fileBytes) {
            int at = reader.ensure(p, LogScanner.CHUNK_BYTES);
            int end = reader.readyEnd();
            int i = at;
            while (i + 8 <= end && reader.buffer().getLong(i) == 0) {
                i += 8;
            }
            p = reader.bufferStart() + i;
            if (i + 8 <= end) {
                return p;
            }
            if (end - i < 8) {
                if (!codec().allZero(i, end)) {
                    return p;
                }
                p = reader.bufferStart() + end;
            }
        }
        return fileBytes;
    }
}
