package dev.keel.wal;

import dev.keel.aio.Storage;
import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Recycled segments: whole old segments that {@link Wal#truncateBefore} hands back, kept as
 * {@code wal-<former index>.spare} files for the next roll, which then zero-fills that file in
 * place (blocks the file system already allocated, no new file, no unlink) instead of creating
 * and zero-filling a new one.
 *
 * <pre>
 *   truncateBefore:  wal-3.seg --rename--> wal-3.spare, directory synced (deleted instead when the pool is full)
 *   next roll to 9:  wal-3.spare zero-filled in place, fsync --rename--> wal-9.seg, directory synced
 * </pre>
 *
 * A spare's old frames never reach a live segment: the file is zeroed while it is still named
 * {@code .spare}, which is not part of the log, so every crash point reads as a valid log (a spare
 * half zeroed is still a spare and is zeroed again; a renamed one is a prepared, all-zero segment).
 * Should old frames ever be found in a live segment anyway, they still cannot pass as records:
 * every frame carries its segment's salt (log id and the low 12 bits of the index) and recovery and
 * readers accept only the segment's own; a spare is never reused for an index 4096 apart from its
 * former one (the same salt): it is deleted instead.
 *
 * <p>The pool holds at most {@link #MAX_SPARES}: a spare keeps disk space the caller of
 * truncateBefore asked to free, and one roll uses one; two cover a retention call that drops a
 * segment per roll with one to spare, without holding more than two segments' worth of disk.
 * Only files of the current segment size are kept. Thread safe.
 */
final class SpareSegments {
    static final int MAX_SPARES = 2;
    /** Indexes whose salts are equal: the salt keeps the index's low 12 bits. */
    private static final long SALT_INDEX_PERIOD = 1L << 12;

    private final Path dir;
    private final Storage storage;
    private final long segmentBytes;
    private final ArrayDeque<Path> pool = new ArrayDeque<>();

    /** Takes over the spares found in the directory, deleting those it cannot use. */
    SpareSegments(Path dir, Storage storage, long segmentBytes, List<Path> found) throws IOException {
        this.storage = storage;
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        for (Path p : found) {
            if (pool.size() < MAX_SPARES && Files.size(p) == segmentBytes) {
                pool.add(p);
            } else {
                storage.deleteIfExists(p);
            }
        }
    }

    /**
     * Hands back a whole segment that is no longer part of the log: renamed to a spare, or
     * deleted when the pool is full or its size is not the current one; the directory is synced
     * either way, one segment at a time, so that segments leave the log in index order.
     */
    synchronized void retire(Path segment, long index) throws IOException {
        if (pool.size() < MAX_SPARES && Files.size(segment) == segmentBytes) {
            Path spare = dir.resolve(SegmentFiles.spareName(index));
            storage.rename(segment, spare);
            pool.add(spare);
        } else {
            storage.deleteIfExists(segment);
        }
        storage.syncDirectory(dir);
    }

    /**
     * The oldest spare usable as segment {@code index}, taken out of the pool (the preparer
     * zero-fills it in place, then renames it); null when there is none. Spares whose salt would
     * repeat are deleted.
     */
    synchronized Path take(long index) throws IOException {
        while (!pool.isEmpty()) {
            Path p = pool.poll();
            if ((index - SegmentFiles.formerIndexOf(p)) % SALT_INDEX_PERIOD != 0) {
                return p;
            }
            storage.deleteIfExists(p);
        }
        return null;
    }

    synchronized int count() {
        return pool.size();
    }
}
