package dev.keel.tools;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Logs for the tool tests, written with the Wal API: {@link #RECORDS} records of
 * {@link #PAYLOAD_BYTES} printable bytes in one 1 MiB segment, so that LSN n's frame is at
 * {@link #frameOffset}; then left clean, crashed (no marker, no COMMIT frame), or damaged.
 */
final class TestLogs {
    static final int RECORDS = 100;
    static final int PAYLOAD_BYTES = 100;
    static final int FRAME_BYTES = FrameDescriptor.frameBytes(PAYLOAD_BYTES);

    private TestLogs() {
    }

    static WalOptions options() {
        return WalOptions.defaults().segmentBytes(1 << 20).maxRecordBytes(4096);
    }

    /** "record 7" padded with dots to PAYLOAD_BYTES: printable, and different for every LSN. */
    static byte[] payload(long lsn) {
        StringBuilder sb = new StringBuilder("record " + lsn);
        while (sb.length() < PAYLOAD_BYTES) {
            sb.append('.');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static long frameOffset(long lsn) {
        return SegmentHeaderDescriptor.HEADER_BYTES + (lsn - 1) * FRAME_BYTES;
    }

    static Path segment(Path dir) {
        return SegmentFiles.segmentPath(dir, 1);
    }

    static void clean(Path dir) throws IOException {
        try (Wal wal = Wal.open(dir, options())) {
            for (long i = 1; i <= RECORDS; i++) {
                wal.append(payload(i));
            }
        }
    }

    /** As a crash leaves it: no clean marker, no COMMIT frame after the last record. */
    static void crashed(Path dir) throws IOException {
        clean(dir);
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        writeAt(dir, frameOffset(RECORDS + 1), new byte[FrameDescriptor.HEADER_BYTES]);
    }

    /** A crash in the middle of writing the last record: its payload after byte 8 never reached the disk. */
    static void tornTail(Path dir) throws IOException {
        crashed(dir);
        writeAt(dir, frameOffset(RECORDS) + 40, new byte[FRAME_BYTES - 40]);
    }

    /** A flipped bit in LSN {@code lsn}'s payload, with durable records after it: corruption, not a torn tail. */
    static void corruptedAt(Path dir, long lsn) throws IOException {
        crashed(dir);
        long at = frameOffset(lsn) + FrameDescriptor.HEADER_BYTES + 3;
        try (RandomAccessFile f = new RandomAccessFile(segment(dir).toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    static void writeAt(Path dir, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segment(dir).toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    /** Every file and directory under {@code dir} with a SHA-256 of its content: equal snapshots, equal bytes. */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = dir.relativize(p).toString();
                files.put(name, Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
            }
        }
        return files;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
