package dev.keel.wal.recovery;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Byte-level edits of a log directory on disk, the way RocksDB's log_test damages a log: flip,
 * zero, overwrite, truncate, and the fix-ups (a frame's or a segment header's CRC) that make a
 * damaged structure look valid again. Also reads the frame layout of an undamaged segment.
 */
final class LogSurgery {
    private LogSurgery() {
    }

    /** One frame of an undamaged segment. */
    record Frame(Path segment, long offsetBytes, int payloadBytes, long lsn, int salt, short type, int unsyncedSpan) {
        int frameBytes() {
            return FrameDescriptor.frameBytes(payloadBytes);
        }

        long endOffsetBytes() {
            return offsetBytes + frameBytes();
        }

        boolean isRecord() {
            return type == FrameDescriptor.TYPE_RECORD;
        }
    }

    /** The frames of a segment from its header up to the first word that is not a self-consistent length. */
    static List<Frame> frames(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
        List<Frame> frames = new ArrayList<>();
        long at = SegmentHeaderDescriptor.HEADER_BYTES;
        while (at + FrameDescriptor.HEADER_BYTES <= b.capacity()) {
            int p = (int) at;
            int length = b.getInt(p + FrameDescriptor.LENGTH_OFFSET);
            if (length < 0 || b.getInt(p + FrameDescriptor.LENGTH_CHECK_OFFSET) != ~length) {
                break; // zeros (the end of the log) or damage
            }
            frames.add(new Frame(segment, at, length, b.getLong(p + FrameDescriptor.LSN_OFFSET),
                b.getInt(p + FrameDescriptor.SALT_OFFSET), b.getShort(p + FrameDescriptor.TYPE_OFFSET),
                b.getInt(p + FrameDescriptor.UNSYNCED_SPAN_OFFSET)));
            at += FrameDescriptor.frameBytes(length);
        }
        return frames;
    }

    /** The record frames of every segment in the directory, in log order. */
    static List<Frame> records(Path dir) throws IOException {
        List<Frame> all = new ArrayList<>();
        for (Path s : SegmentFiles.list(dir).segments()) {
            for (Frame f : frames(s)) {
                if (f.isRecord()) {
                    all.add(f);
                }
            }
        }
        return all;
    }

    /**
     * Leaves a cleanly closed log as a crash would: no clean-close marker and no COMMIT frame
     * after the last record (zeroed, as preallocation leaves it).
     */
    static void makeCrashed(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE));
        List<Path> segments = SegmentFiles.list(dir).segments();
        for (int i = segments.size() - 1; i >= 0; i--) {
            List<Frame> frames = frames(segments.get(i));
            if (!frames.isEmpty()) {
                Frame last = frames.get(frames.size() - 1);
                if (last.type() == FrameDescriptor.TYPE_COMMIT) {
                    zero(last.segment(), last.offsetBytes(), last.frameBytes());
                }
                return;
            }
        }
    }

    static byte[] readAt(Path file, long offset, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    static void zero(Path file, long offset, long length) throws IOException {
        writeAt(file, offset, new byte[Math.toIntExact(length)]);
    }

    /** Inverts every bit of one byte. */
    static void flip(Path file, long offset) throws IOException {
        byte[] b = readAt(file, offset, 1);
        b[0] ^= (byte) 0xFF;
        writeAt(file, offset, b);
    }

    static void truncate(Path file, long sizeBytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(sizeBytes);
        }
    }

    /** Copies a whole frame's bytes from one place to another (possibly in another file). */
    static void transplant(Frame from, Path toSegment, long toOffset) throws IOException {
        writeAt(toSegment, toOffset, readAt(from.segment(), from.offsetBytes(), from.frameBytes()));
    }

    /** Rewrites a frame's type and unsynced span, then its CRC, so that it checks valid again. */
    static void rewriteFrame(Frame f, short type, int unsyncedSpan) throws IOException {
        byte[] b = readAt(f.segment(), f.offsetBytes(), f.frameBytes());
        ByteBuffer view = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        view.putShort(FrameDescriptor.TYPE_OFFSET, type);
        view.putInt(FrameDescriptor.UNSYNCED_SPAN_OFFSET, unsyncedSpan);
        view.putInt(FrameDescriptor.CRC_OFFSET, frameCrc(b, 0, f.payloadBytes()));
        writeAt(f.segment(), f.offsetBytes(), b);
    }

    /** The CRC a frame at {@code b[at]} with this payload length must carry: CRC32C of [0, 28) and the payload. */
    static int frameCrc(byte[] b, int at, int payloadBytes) {
        CRC32C crc = new CRC32C();
        crc.update(b, at, FrameDescriptor.CRC_OFFSET);
        crc.update(b, at + FrameDescriptor.HEADER_BYTES, payloadBytes);
        return (int) crc.getValue();
    }

    /** Writes a format version into a segment header and fixes the header CRC, as a newer Keel would. */
    static void setFormatVersion(Path segment, int version) throws IOException {
        byte[] header = readAt(segment, 0, SegmentHeaderDescriptor.CRC_OFFSET + 4);
        ByteBuffer view = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        view.putInt(SegmentHeaderDescriptor.VERSION_OFFSET, version);
        CRC32C crc = new CRC32C();
        crc.update(header, 0, SegmentHeaderDescriptor.CRC_COVERED_BYTES);
        view.putInt(SegmentHeaderDescriptor.CRC_OFFSET, (int) crc.getValue());
        writeAt(segment, 0, header);
    }

    static long logId(Path segment) throws IOException {
        return ByteBuffer.wrap(readAt(segment, SegmentHeaderDescriptor.LOG_ID_OFFSET, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * Every file under {@code dir} (relative name to bytes), the directory lock excepted: it is
     * rewritten by every open, and holds no log data.
     */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(SegmentFiles.LOCK_FILE)) {
                    files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    static void copyDir(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteDir(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
