package dev.keel.wal.crash;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the log did to the disk, in order, and the rules of what a power cut keeps of it.
 *
 * <p>The {@link RecordingBackend} appends one operation per request it sees submitted and per
 * file-system call, and stamps each completion; the workload adds its acknowledgements. Every
 * operation gets the next number of one global sequence, so "before the crash" is one
 * comparison: a crash at point {@code T} happened after every event numbered below {@code T}.
 *
 * <h2>The persistence rules (written once, here; {@link CrashStates} only chooses among them)</h2>
 * <ol>
 *   <li><b>Durable data.</b> A write is durable at {@code T} when a sync (DATA or FILE) of the
 *       same file that was submitted after it completed successfully before {@code T} (the
 *       AIO contract's barrier: a sync runs after every earlier write to that file), or when the
 *       file was opened O_DSYNC or O_SYNC and the write completed before {@code T}. An O_DIRECT
 *       write alone is not durable (the device's cache). Nothing else is durable: a completed
 *       write sits in the page cache, an in-flight one may or may not have reached the device.</li>
 *   <li><b>Everything else may be lost, kept, or kept in part.</b> Unsynced writes to a file
 *       persist in any subset (no ordering promise), and any one of them may be torn at
 *       512-byte sector boundaries (sectors are atomic: {@link #SECTOR_BYTES}). A truncate or an
 *       allocation is an unsynced change to the file like a write, until a sync of the file.</li>
 *   <li><b>Names.</b> A create, rename or delete is durable only once its directory (each
 *       directory it touches) was synced after it; fsync of a file does not persist its name.
 *       Namespace operations not yet durable may persist in any prefix of their order.</li>
 * </ol>
 * A failed request (negative result, short write) makes nothing durable; what it wrote is
 * unsynced. Thread safety: every method is synchronized on the model.
 */
final class DiskModel {
    static final int SECTOR_BYTES = 512;
    static final long NOT_YET = Long.MAX_VALUE;

    /** One recorded event; {@code seq} is its place in the global order. */
    abstract static class Op {
        final long seq;

        Op(long seq) {
            this.seq = seq;
        }
    }

    /** A write ({@code bytes} at {@code offset}) or a size change ({@code bytes == null}: truncate to {@code offset}). */
    static final class DataOp extends Op {
        final int inode;
        final long offset;
        final byte[] bytes;
        final boolean durableOnCompletion;
        final boolean direct;
        long completedAt = NOT_YET;
        boolean failed;
        boolean withdrawn;

        DataOp(long seq, int inode, long offset, byte[] bytes, boolean durableOnCompletion, boolean direct) {
            super(seq);
            this.inode = inode;
            this.offset = offset;
            this.bytes = bytes;
            this.durableOnCompletion = durableOnCompletion;
            this.direct = direct;
        }

        boolean isTruncate() {
            return bytes == null;
        }

        long end() {
            return bytes == null ? offset : offset + bytes.length;
        }

        @Override
        public String toString() {
            return "#" + seq + (bytes == null ? " truncate inode " + inode + " to " + offset
                : " write inode " + inode + " [" + offset + ", " + end() + ")") + (completedAt == NOT_YET ? " in flight"
                : " done #" + completedAt) + (failed ? " FAILED" : "");
        }
    }

    /** A DATA or FILE sync of one file. */
    static final class SyncOp extends Op {
        final int inode;
        long completedAt = NOT_YET;
        boolean failed;
        boolean withdrawn;

        SyncOp(long seq, int inode) {
            super(seq);
            this.inode = inode;
        }
    }

    /** A namespace change: create ({@code from == null}), rename, delete ({@code to == null}), mkdir. */
    static final class NameOp extends Op {
        final Path from;
        final Path to;
        final int inode;

        NameOp(long seq, Path from, Path to, int inode) {
            super(seq);
            this.from = from;
            this.to = to;
            this.inode = inode;
        }

        @Override
        public String toString() {
            return "#" + seq + (from == null ? " create " + to : to == null ? " delete " + from : " rename " + from + " -> " + to);
        }
    }

    /** fsync of a directory (synchronous: recorded once done). */
    static final class DirSyncOp extends Op {
        final Path dir;

        DirSyncOp(long seq, Path dir) {
            super(seq);
            this.dir = dir;
        }
    }

    /** A point the workload marks: an acknowledgement, the start or end of a truncation. */
    static final class MarkOp extends Op {
        final String what;

        MarkOp(long seq, String what) {
            super(seq);
            this.what = what;
        }
    }

    /** Inode of a directory entry that is a directory. */
    static final int DIRECTORY = -1;

    private final List<Op> ops = new ArrayList<>();
    private final Map<Path, Integer> initialNames;
    private final Map<Integer, byte[]> initialContents;
    private final Map<Path, Integer> liveNames;
    private int nextInode;
    private int writesInFlight;
    private int maxWritesInFlight;

    /**
     * @param initialNames the directory's entries when recording starts (relative paths), all durable
     * @param initialContents each initial file's bytes, by inode
     */
    DiskModel(Map<Path, Integer> initialNames, Map<Integer, byte[]> initialContents) {
        this.initialNames = Map.copyOf(initialNames);
        this.initialContents = Map.copyOf(initialContents);
        this.liveNames = new HashMap<>(initialNames);
        this.nextInode = initialContents.keySet().stream().mapToInt(i -> i).max().orElse(0) + 1;
    }

    synchronized long nextSeq() {
        return ops.size();
    }

    private <T extends Op> T add(T op) {
        assert op.seq == ops.size();
        ops.add(op);
        return op;
    }

    synchronized DataOp write(int inode, long offset, byte[] bytes, boolean durableOnCompletion, boolean direct) {
        writesInFlight++;
        maxWritesInFlight = Math.max(maxWritesInFlight, writesInFlight);
        return add(new DataOp(ops.size(), inode, offset, bytes, durableOnCompletion, direct));
    }

    /** The most data writes submitted and not yet completed (nor withdrawn) at one time. */
    synchronized int maxWritesInFlight() {
        return maxWritesInFlight;
    }

    /**
     * How many data writes were in flight (submitted before, completed at or after) at each crash
     * point {@code 0..ops.size()}: where a power cut can keep a later write without an earlier one
     * that had not completed either.
     */
    static int[] writesInFlight(List<Op> ops) {
        int[] delta = new int[ops.size() + 2];
        for (Op op : ops) {
            if (op instanceof DataOp d && !d.isTruncate() && !d.withdrawn) {
                delta[(int) d.seq + 1]++;
                if (d.completedAt != NOT_YET) {
                    delta[(int) d.completedAt + 1]--;
                }
            }
        }
        int[] inFlight = new int[ops.size() + 1];
        int n = 0;
        for (int t = 0; t <= ops.size(); t++) {
            n += delta[t];
            inFlight[t] = n;
        }
        return inFlight;
    }

    synchronized SyncOp sync(int inode) {
        return add(new SyncOp(ops.size(), inode));
    }

    /** A size change, done synchronously. */
    synchronized void truncate(int inode, long lengthBytes) {
        DataOp op = add(new DataOp(ops.size(), inode, lengthBytes, null, false, false));
        op.completedAt = op.seq;
    }

    synchronized void completed(DataOp op, boolean failed) {
        writesInFlight--;
        op.failed = failed;
        op.completedAt = add(new MarkOp(ops.size(), "completed #" + op.seq)).seq;
    }

    synchronized void completed(SyncOp op, boolean failed) {
        op.failed = failed;
        op.completedAt = add(new MarkOp(ops.size(), "completed sync #" + op.seq)).seq;
    }

    /** A submission the backend refused: it never happened. */
    synchronized void withdrawn(Op op) {
        if (op instanceof DataOp d) {
            d.withdrawn = true;
            writesInFlight--;
        } else if (op instanceof SyncOp s) {
            s.withdrawn = true;
        }
    }

    /** The inode now named {@code path}, or -2 when none. */
    synchronized int inodeOf(Path path) {
        return liveNames.getOrDefault(path, -2);
    }

    /** A file the model never saw (created outside the storage interface): taken as it is, durable. */
    synchronized int adopt(Path path) {
        int inode = nextInode++;
        liveNames.put(path, inode);
        return inode;
    }

    synchronized int create(Path path, boolean directory) {
        int inode = directory ? DIRECTORY : nextInode++;
        liveNames.put(path, inode);
        add(new NameOp(ops.size(), null, path, inode));
        return inode;
    }

    synchronized void rename(Path from, Path to) {
        Integer inode = liveNames.remove(from);
        assert inode != null : "rename of " + from + ", which the model does not know";
        liveNames.put(to, inode);
        add(new NameOp(ops.size(), from, to, inode));
    }

    synchronized void delete(Path path) {
        Integer inode = liveNames.remove(path);
        add(new NameOp(ops.size(), path, null, inode == null ? -2 : inode));
    }

    synchronized void dirSync(Path dir) {
        add(new DirSyncOp(ops.size(), dir));
    }

    synchronized long mark(String what) {
        return add(new MarkOp(ops.size(), what)).seq;
    }

    /** A copy of the operations so far, for the explorer to work on while nothing records. */
    synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    Map<Path, Integer> initialNames() {
        return initialNames;
    }

    Map<Integer, byte[]> initialContents() {
        return initialContents;
    }

    /** Rule 1: the data operations durable at {@code crashAt}, the rest (before it) unsynced, in order. */
    static Split split(List<Op> ops, long crashAt) {
        Map<Integer, Long> syncedBefore = new HashMap<>();
        for (int i = 0; i < crashAt; i++) {
            if (ops.get(i) instanceof SyncOp s && !s.withdrawn && !s.failed && s.completedAt < crashAt) {
                syncedBefore.merge(s.inode, s.seq, Math::max);
            }
        }
        List<DataOp> durable = new ArrayList<>();
        List<DataOp> unsynced = new ArrayList<>();
        for (int i = 0; i < crashAt; i++) {
            if (ops.get(i) instanceof DataOp d && !d.withdrawn) {
                boolean isDurable = !d.failed && (d.seq < syncedBefore.getOrDefault(d.inode, -1L)
                    || d.durableOnCompletion && d.completedAt < crashAt);
                (isDurable ? durable : unsynced).add(d);
            }
        }
        return new Split(durable, unsynced);
    }

    /** Durable and unsynced data operations at one crash point. */
    record Split(List<DataOp> durable, List<DataOp> unsynced) {
    }

    /**
     * Rule 3: the namespace operations before {@code crashAt} that no later directory sync (of
     * every directory they touch) made durable, in order.
     */
    static List<NameOp> pendingNames(List<Op> ops, long crashAt) {
        List<NameOp> pending = new ArrayList<>();
        for (int i = 0; i < crashAt; i++) {
            if (ops.get(i) instanceof NameOp n && !settled(ops, n, crashAt)) {
                pending.add(n);
            }
        }
        return pending;
    }

    private static boolean settled(List<Op> ops, NameOp n, long crashAt) {
        for (Path p : new Path[] {n.from, n.to}) {
            if (p == null) {
                continue;
            }
            Path parent = p.getParent() == null ? Path.of("") : p.getParent();
            boolean synced = false;
            for (long i = n.seq + 1; i < crashAt && !synced; i++) {
                synced = ops.get((int) i) instanceof DirSyncOp d && d.dir.equals(parent);
            }
            if (!synced) {
                return false;
            }
        }
        return true;
    }

    /**
     * The directory a crash leaves: durable names plus the pending ones in {@code keptNames},
     * each named file holding the durable data plus what {@code keep} keeps of the unsynced.
     *
     * @param keep for each unsynced operation (by its place in {@link Split#unsynced}), the sectors
     *     kept: null drops it, {@link SectorMask#ALL} keeps it whole
     */
    static CrashState apply(List<Op> ops, Map<Path, Integer> initialNames, Map<Integer, byte[]> initialContents, long crashAt,
                            Split split, SectorMask[] keep, Set<NameOp> keptNames) {
        Map<Integer, FileImage> files = new HashMap<>();
        initialContents.forEach((inode, bytes) -> files.put(inode, new FileImage(bytes)));
        Map<DataOp, SectorMask> chosen = new HashMap<>();
        split.durable().forEach(d -> chosen.put(d, SectorMask.ALL));
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] != null) {
                chosen.put(split.unsynced().get(i), keep[i]);
            }
        }
        Map<Path, Integer> names = new TreeMap<>(initialNames);
        Set<NameOp> pending = new java.util.HashSet<>(pendingNames(ops, crashAt));
        for (int i = 0; i < crashAt; i++) {
            Op op = ops.get(i);
            if (op instanceof DataOp d && chosen.containsKey(d)) {
                files.computeIfAbsent(d.inode, x -> new FileImage(new byte[0])).apply(d, chosen.get(d));
            } else if (op instanceof NameOp n && (!pending.contains(n) || keptNames.contains(n))) {
                if (n.from != null) {
                    names.remove(n.from);
                }
                if (n.to != null) {
                    names.put(n.to, n.inode);
                }
            }
        }
        Map<Path, byte[]> contents = new TreeMap<>();
        List<Path> dirs = new ArrayList<>();
                names.forEach((path, inode) -> {
            if (inode == DIRECTORY) {
                dirs.add(path);
            } else if (inode >= 0) {
                contents.put(path, files.computeIfAbsent(inode, x -> new FileImage(new byte[0])).bytes());
            }
        });
        return new CrashState(crashAt, contents, dirs);
    }
}
