package dev.keel.aio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every file-system operation the log makes besides the transfers and syncs that go through an
 * {@link AioContext}: opening files, setting their size, and the directory operations (create,
 * rename, delete, list, directory sync). One small interface, so that a test can put a model of
 * the disk under the log (Aeron's {@code RecordingWriter}, TigerBeetle's
 * {@code testing/storage.zig}): the crash-state explorer records each call here beside each
 * request its backend sees, and computes what a power cut could leave.
 *
 * <p>A backend names the storage it runs on ({@link AioBackend#storage()}, default {@link #OS});
 * the log takes both from the one backend instance it is given, so a disk model is one object.
 * Reads of file contents (recovery's scan, the clean-shutdown marker) need not come through
 * here: what is read is whatever the operations below and the requests left.
 */
public interface Storage {
    /** The real file system: open(2), ftruncate(2), fallocate(2), rename(2), unlink(2), fsync(2) of a directory. */
    Storage OS = new OsStorage();

    /** Opens a file, as {@link NativeFile#open(Path, Set)}. With CREATE, a new name appears in its directory. */
    NativeFile open(Path path, Set<OpenFlag> flags) throws AioException;

    default NativeFile open(Path path, OpenFlag... flags) throws AioException {
        EnumSet<OpenFlag> set = EnumSet.noneOf(OpenFlag.class);
        Collections.addAll(set, flags);
        return open(path, set);
    }

    /** Sets the file's size (ftruncate). */
    void truncate(NativeFile file, long lengthBytes) throws AioException;

    /** Reserves blocks (fallocate mode 0), growing the file if needed. */
    void allocate(NativeFile file, long offsetBytes, long lengthBytes) throws AioException;

    /** Renames atomically, replacing {@code to} if it exists (rename(2)). Durable only after a directory sync. */
    void rename(Path from, Path to) throws IOException;

    /** Removes a name; false when there was none. Durable only after a directory sync. */
    boolean deleteIfExists(Path path) throws IOException;

    /** Creates a directory and its missing parents; nothing when it exists. */
    void createDirectories(Path dir) throws IOException;

    /** Makes the directory's entries durable: fsync(2) on the directory. */
    void syncDirectory(Path dir) throws AioException;

    /** The entries of a directory, in no particular order. */
    List<Path> list(Path dir) throws IOException;

    boolean exists(Path path);

    boolean isDirectory(Path path);
}
