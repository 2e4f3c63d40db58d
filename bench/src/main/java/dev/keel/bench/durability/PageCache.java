package dev.keel.bench.durability;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.internal.LibC;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Drops files from the page cache, so that a read measures the disk and not memory:
 * {@code fdatasync} (only clean pages can be dropped) then {@code posix_fadvise(DONTNEED)} on
 * each file. Per file, unlike {@code /proc/sys/vm/drop_caches}, so it needs no privilege and
 * leaves the rest of the machine's cache alone. A virtual disk's host may still cache below the
 * guest: the report says so.
 */
final class PageCache {
    private static final int POSIX_FADV_DONTNEED = 4;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private PageCache() {
    }

    /** posix_fadvise returns the error number itself (0 on success); it does not set errno. */
    private static native int posix_fadvise(int fd, long offset, long length, int advice);

    /** Drops every file's cached pages; false (with nothing thrown) when the kernel refuses the advice. */
    static boolean drop(List<Path> files) throws IOException {
        boolean dropped = true;
        for (Path p : files) {
            try (NativeFile f = NativeFile.open(p, OpenFlag.READ)) {
                if (LibC.fdatasync(f.fd()) != 0) {
                    throw new IOException("fdatasync " + p + " failed: errno " + LibC.errno());
                }
                dropped &= posix_fadvise(f.fd(), 0, 0, POSIX_FADV_DONTNEED) == 0;
            }
        }
        return dropped;
    }
}
