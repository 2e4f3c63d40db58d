package dev.keel.recovery;

import dev.keel.aio.Storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of the files in a log directory. Keel owns the directory: a file it does not know
 * is refused, so a typo in a path never makes Keel write into (or cut) someone else's data.
 *
 * <pre>
 *   wal-00000000000000000001.seg   segment 1 (index in the name, 20 digits so names sort)
 *   wal-00000000000000000002.prep  a segment being zero-filled; holds no data, safe to delete
 *   wal-00000000000000000007.spare an old segment (7) that truncateBefore handed back for reuse:
 *                                  its records are no longer part of the log
 *   keel.lock                      the directory lock (the pid of the owner inside)
 *   keel.clean                     written by a clean close: where the log ends
 *   keel.clean.tmp                 the marker while a close writes it (deleted by recovery)
 *   .direct-probe                  a DIRECT open's block-size probe (deleted by recovery)
 *   keel.head                      the log's durable logical head (first LSN, reset epoch); see Wal
 *   quarantine/                    what recovery set aside: cut tails, damaged segments
 * </pre>
 *
 * <p>Names a file system or an operating system creates by itself at the root of a volume are
 * ignored (never read, written or refused), so that a log can live at a mount point: only as
 * directories, and only these: {@link #FILE_SYSTEM_NAMES}.
 */
public final class SegmentFiles {
    public static final String LOCK_FILE = "keel.lock";
    public static final String CLEAN_FILE = "keel.clean";
    /** Written by wal-core's truncatePrefix and reset: the logical first LSN, durably. */
    public static final String HEAD_FILE = "keel.head";
    public static final String QUARANTINE_DIR = "quarantine";
    /**
     * Directories a file system makes at its root by itself, ignored in a log directory:
     * {@code lost+found} (ext2/3/4, made by mkfs, refilled by fsck), {@code .snapshot} (NetApp and
     * other NFS filers), {@code System Volume Information} and {@code $RECYCLE.BIN} (Windows, on
     * FAT and NTFS volumes), {@code .Trashes}, {@code .fseventsd} and {@code .Spotlight-V100} (macOS).
     */
    public static final Set<String> FILE_SYSTEM_NAMES = Set.of("lost+found", ".snapshot", "System Volume Information",
        "$RECYCLE.BIN", ".Trashes", ".fseventsd", ".Spotlight-V100");
    private static final Set<String> KEEL_NAMES = Set.of(LOCK_FILE, CLEAN_FILE, HEAD_FILE, HEAD_FILE + ".tmp", QUARANTINE_DIR);
    private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{20})\\.seg");
    private static final Pattern PREPARING = Pattern.compile("wal-(\\d{20})\\.prep");
    private static final Pattern SPARE = Pattern.compile("wal-(\\d{20})\\.spare");

    private SegmentFiles() {
    }

    public static String segmentName(long index) {
        return String.format("wal-%020d.seg", index);
    }

    public static String preparingName(long index) {
        return String.format("wal-%020d.prep", index);
    }

    /** The name of a spare file that was segment {@code formerIndex}. */
    public static String spareName(long formerIndex) {
        return String.format("wal-%020d.spare", formerIndex);
    }

    /** The segment index a spare file held before it was handed back, or -1. */
    public static long formerIndexOf(Path spare) {
        Matcher m = SPARE.matcher(spare.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    public static Path segmentPath(Path dir, long index) {
        return dir.resolve(segmentName(index));
    }

    /** The segment index in a segment file's name, or -1. */
    public static long indexOf(Path file) {
        Matcher m = SEGMENT.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The clean-shutdown marker while it is written: synced, then renamed to {@link #CLEAN_FILE}.
     * A power cut can leave it behind; it never holds a record.
     */
    public static final String CLEAN_TMP_FILE = CLEAN_FILE + ".tmp";

    /**
     * The file a DIRECT log opens O_DIRECT at open to learn the block size, then deletes. A power
     * cut can leave it behind (its name durable, its removal not); it never holds a record.
     */
    public static final String DIRECT_PROBE_FILE = ".direct-probe";

    /**
     * What a log directory holds; spares sorted by their former index, oldest first.
     *
     * @param preparing leftovers that never held a record and that recovery deletes: {@code .prep}
     *     files (a segment being zero-filled), an unfinished clean-shutdown marker and a DIRECT
     *     open's block-size probe
     */
    public record Listing(List<Path> segments, List<Path> preparing, List<Path> spares, List<Path> unknown) {
    }

    /** Lists the directory; segments sorted by index. */
    public static Listing list(Path dir) throws IOException {
        return list(Storage.OS, dir);
    }

    /** Lists the directory through {@code storage}; segments sorted by index. */
    public static Listing list(Storage storage, Path dir) throws IOException {
        List<Path> segments = new ArrayList<>();
        List<Path> preparing = new ArrayList<>();
        List<Path> spares = new ArrayList<>();
        List<Path> unknown = new ArrayList<>();
        for (Path p : storage.list(dir)) {
            String name = p.getFileName().toString();
            if (SEGMENT.matcher(name).matches()) {
                segments.add(p);
            } else if (PREPARING.matcher(name).matches() || name.equals(CLEAN_TMP_FILE) || name.equals(DIRECT_PROBE_FILE)) {
                preparing.add(p);
            } else if (SPARE.matcher(name).matches()) {
                spares.add(p);
            } else if (!KEEL_NAMES.contains(name) && !(FILE_SYSTEM_NAMES.contains(name) && storage.isDirectory(p))) {
                unknown.add(p);
            }
        }
        segments.sort((a, b) -> Long.compare(indexOf(a), indexOf(b)));
        spares.sort((a, b) -> Long.compare(formerIndexOf(a), formerIndexOf(b)));
        unknown.sort(null);
        return new Listing(segments, preparing, spares, unknown);
    }

    /**
     * Lists {@code dir} and refuses it when it is not a directory or holds anything Keel does not
     * own. Checked before Keel creates or changes anything in it.
     *
     * @throws IOException naming the path and the first foreign file
     */
    public static Listing listOwned(Path dir) throws IOException {
        return listOwned(Storage.OS, dir);
    }

    /** {@link #listOwned(Path)} through {@code storage}. */
    public static Listing listOwned(Storage storage, Path dir) throws IOException {
        if (storage.exists(dir) && !storage.isDirectory(dir)) {
            throw new IOException("log directory " + dir + " is " + (java.nio.file.Files.isRegularFile(dir) ? "a regular file" : "not a directory")
                + ": a log is a directory of segment files; give a directory (it is created when missing)");
        }
        Listing listing = list(storage, dir);
        if (!listing.unknown().isEmpty()) {
            throw new IOException("log directory " + dir.toAbsolutePath() + " holds " + listing.unknown().size()
                + " file(s) Keel does not own, first " + listing.unknown().get(0).getFileName()
                + ": move them elsewhere (Keel never writes into a directory it does not own; it ignores only "
                + "these directories a file system makes itself: " + new java.util.TreeSet<>(FILE_SYSTEM_NAMES) + ")");
        }
        return listing;
    }
}
