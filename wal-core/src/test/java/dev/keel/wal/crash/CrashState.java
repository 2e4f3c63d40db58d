package dev.keel.wal.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What one power cut left: the files (relative path and bytes) and directories of the log's
 * directory, and the crash point it was built for. Written out with plain java.nio into a fresh
 * directory, then opened by the log as a user would after the power came back.
 *
 * @param crashAt the crash point (see {@link DiskModel}): events numbered below it happened
 * @param files every file's bytes, by path relative to the log directory
 * @param dirs the directories (quarantine/) that exist
 */
record CrashState(long crashAt, Map<Path, byte[]> files, List<Path> dirs) {
    /** Writes the state into {@code dir} (which must be empty). */
    void materialize(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Path d : dirs) {
            Files.createDirectories(dir.resolve(d));
        }
        for (Map.Entry<Path, byte[]> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
    }

    /** A digest of names and contents: states that are byte for byte the same are checked once. */
    String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path d : dirs) {
                md.update(("d:" + d + "\n").getBytes());
            }
            for (Map.Entry<Path, byte[]> e : files.entrySet()) {
                md.update(("f:" + e.getKey() + ":" + e.getValue().length + "\n").getBytes());
                md.update(e.getValue());
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    String describe() {
        StringBuilder b = new StringBuilder("crash point #" + crashAt + ":");
        files.forEach((p, bytes) -> b.append(' ').append(p).append('(').append(bytes.length).append(" B)"));
        dirs.forEach(d -> b.append(' ').append(d).append('/'));
        return b.toString();
    }
}
