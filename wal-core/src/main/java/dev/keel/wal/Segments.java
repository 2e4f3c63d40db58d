package dev.keel.wal;

import dev.keel.aio.Storage;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The log's live segments: which index holds which LSNs (for readers and retention), and how
 * a segment is opened for writing in the log's durability mode. The table is copy-on-write:
 * readers take a snapshot without locking.
 */
final class Segments {
    /**
     * One live segment: its index, file and first LSN, the offsets of its records (for point
     * reads) and a read channel opened on the first point read.
     */
    record Ref(long index, Path path, long firstLsn, RecordOffsets offsets, SegmentChannel channel) {
    }

    private final Path dir;
    private final long logId;
    private final long segmentBytes;
    private final EnumSet<OpenFlag> writeFlags;
    private final SegmentPreparer preparer;
    private final Storage storage;
    private volatile List<Ref> table = List.of();

    Segments(Path dir, long logId, long segmentBytes, Durability durability, boolean directIo, SegmentPreparer preparer,
             Storage storage) {
        this.dir = dir;
        this.storage = storage;
        this.logId = logId;
        this.segmentBytes = segmentBytes;
        this.preparer = preparer;
        this.writeFlags = EnumSet.of(OpenFlag.READ, OpenFlag.WRITE);
        if (durability == Durability.OPEN_DSYNC) {
            writeFlags.add(OpenFlag.DSYNC);
        } else if (durability == Durability.OPEN_SYNC) {
            writeFlags.add(OpenFlag.SYNC);
        }
        if (directIo) {
            writeFlags.add(OpenFlag.DIRECT);
        }
    }

    Path dir() {
        return dir;
    }

    long logId() {
        return logId;
    }

    long segmentBytes() {
        return segmentBytes;
    }

    /** Adds a segment the appender starts: its record offsets are filled as it appends. */
    synchronized Ref add(long index, long firstLsn) {
        return add(index, firstLsn, true);
    }

    /**
     * Adds a segment; {@code indexed} false for one recovered from disk, whose record offsets
     * are built by a scan when first needed.
     */
    synchronized Ref add(long index, long firstLsn, boolean indexed) {
        Path path = SegmentFiles.segmentPath(dir, index);
        Ref ref = new Ref(index, path, firstLsn, new RecordOffsets(firstLsn, indexed), new SegmentChannel(path));
        List<Ref> next = new ArrayList<>(table);
        next.add(ref);
        table = List.copyOf(next);
        return ref;
    }

    List<Ref> snapshot() {
        return table;
    }

    int count() {
        return table.size();
    }

    /** The segment holding {@code lsn}: the last one whose first LSN is not after it; null when none. */
    Ref find(long lsn) {
        List<Ref> t = table;
        int lo = 0;
        int hi = t.size() - 1;
        Ref found = null;
        while (lo <= hi) { // binary search: a point read must not walk thousands of segments
            int mid = (lo + hi) >>> 1;
            Ref r = t.get(mid);
            if (r.firstLsn() <= lsn) {
                found = r;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The segment with this index, or null. */
    Ref byIndex(long index) {
        for (int i = table.size() - 1; i >= 0; i--) {
            Ref r = table.get(i);
            if (r.index() == index) {
                return r;
            }
        }
        return null;
    }

    /** The segment after {@code index}, or null. */
    Ref after(long index) {
        for (Ref r : table) {
            if (r.index() > index) {
                return r;
            }
        }
        return null;
    }

    /** Opens a prepared segment for writing, waiting for the preparer if it is not ready yet. */
    NativeFile openForWrite(long index) throws IOException {
        preparer.awaitPrepared(index);
        return storage.open(SegmentFiles.segmentPath(dir, index), writeFlags);
    }

    /** The lock file, opened for reading: {@link PlantedBug#SYNC_WRONG_FILE}'s wrong file (tests only). */
    NativeFile openLockFileForPlantedBug() throws IOException {
        return storage.open(dir.resolve(SegmentFiles.LOCK_FILE), OpenFlag.READ);
    }

    /** Opens the segment recovery left as the tail, to continue writing in it. */
    NativeFile openTail(long index) throws IOException {
        return storage.open(SegmentFiles.segmentPath(dir, index), writeFlags);
    }

    /**
     * Asks for segment {@code index} to be prepared in the background. The committer asks once
     * the active segment is half full: zero-filling 64 MiB and syncing it takes the disk for tens
     * of milliseconds, which, started the moment a segment is activated, landed in the middle of
     * the appends' own syncs; half a segment ahead is still far ahead of the roll.
     */
    void prepareAhead(long index) {
        preparer.request(index);
    }

    void encodeHeader(ByteBuffer block, long index, long firstLsn) {
        SegmentHeaderDescriptor.encode(new UnsafeBuffer(block), 0, logId, index, firstLsn, segmentBytes,
            System.currentTimeMillis());
    }

    /**
     * Drops whole segments (never the last) whose records all precede {@code lsn}, durably, in
     * index order: each is kept as a spare for a later roll or deleted ({@link SpareSegments}).
     * Returns how many left the log.
     */
    synchronized int deleteBefore(long lsn) throws IOException {
        List<Ref> keep = new ArrayList<>();
        int deleted = 0;
        for (int i = 0; i < table.size(); i++) {
            Ref r = table.get(i);
            boolean last = i == table.size() - 1;
            long nextFirst = last ? Long.MAX_VALUE : table.get(i + 1).firstLsn();
            if (!last && nextFirst <= lsn && keep.isEmpty()) {
                r.channel().close();
                preparer.retire(r.path(), r.index());
                deleted++;
            } else {
                keep.add(r);
            }
        }
        if (deleted > 0) {
            table = List.copyOf(keep);
            storage.syncDirectory(dir);
        }
        return deleted;
    }

    /** Closes every segment's read channel (the log is closing). */
    void closeChannels() {
        for (Ref r : table) {
            r.channel().close();
        }
    }

    /** Forgets and deletes, durably, every live segment (a reset; the preparer was reset first). */
    synchronized void deleteAll() throws IOException {
        for (Ref r : table) {
            r.channel().close();
            storage.deleteIfExists(r.path());
        }
        table = List.of();
        storage.syncDirectory(dir);
    }

    /** Forgets (and deletes, durably) every segment after {@code index}, spares included. */
    synchronized void deleteAfter(long index) throws IOException {
        preparer.resetTo(index);
        List<Ref> keep = new ArrayList<>();
        boolean deleted = false;
        for (Ref r : table) {
            if (r.index() > index) {
                r.channel().close();
                storage.deleteIfExists(r.path());
                deleted = true;
            } else {
                keep.add(r);
            }
        }
        table = List.copyOf(keep);
        if (deleted) {
            storage.syncDirectory(dir);
        }
    }
}
