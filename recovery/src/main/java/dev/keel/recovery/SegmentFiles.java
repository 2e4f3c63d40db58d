package dev.keel.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The names of the files in a log directory. Keel owns the directory: a file it does not know
 * is refused, so a typo in a path never makes Keel write into (or cut) someone else's data.
 *
 * <pre>
 *   wal-00000000000000000001.seg   segment 1 (index in the name, 20 digits so names sort)
 *   wal-00000000000000000002.prep  a segment being zero-filled; holds no data, safe to delete
 *   keel.lock                      the directory lock (the pid of the owner inside)
 *   keel.clean                     written by a clean close: where the log ends
 *   quarantine/                    what recovery set aside: cut tails, damaged segments
 * </pre>
 */
public final class SegmentFiles {
    public static final String LOCK_FILE = "keel.lock";
    public static final String CLEAN_FILE = "keel.clean";
    public static final String QUARANTINE_DIR = "quarantine";
    private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{20})\\.seg");
    private static final Pattern PREPARING = Pattern.compile("wal-(\\d{20})\\.prep");

    private SegmentFiles() {
    }

    public static String segmentName(long index) {
        return String.format("wal-%020d.seg", index);
    }

    public static String preparingName(long index) {
        return String.format("wal-%020d.prep", index);
    }

    public static Path segmentPath(Path dir, long index) {
        return dir.resolve(segmentName(index));
    }

    /** The segment index in a segment file's name, or -1. */
    public static long indexOf(Path file) {
        Matcher m = SEGMENT.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** What a log directory holds. */
    public record Listing(List<Path> segments, List<Path> preparing, List<Path> unknown) {
    }

    /** Lists the directory; segments sorted by index. */
    public static Listing list(Path dir) throws IOException {
        List<Path> segments = new ArrayList<>();
        List<Path> preparing = new ArrayList<>();
        List<Path> unknown = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (SEGMENT.matcher(name).matches()) {
                    segments.add(p);
                } else if (PREPARING.matcher(name).matches()) {
                    preparing.add(p);
                } else if (!name.equals(LOCK_FILE) && !name.equals(CLEAN_FILE) && !name.equals(QUARANTINE_DIR)) {
                    unknown.add(p);
                }
            }
        }
        segments.sort((a, b) -> Long.compare(indexOf(a), indexOf(b)));
        unknown.sort(null);
        return new Listing(segments, preparing, unknown);
    }
}
