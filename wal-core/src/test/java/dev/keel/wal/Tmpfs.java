package dev.keel.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs mounted for one test: a real file system of a chosen size (ENOSPC) or mode (read
 * only). Needs root and a kernel that lets it mount; where it cannot, the test is skipped with
 * the reason, except under KEEL_REQUIRE_TMPFS (set by CI, which runs as root), where that fails.
 */
final class Tmpfs implements AutoCloseable {
    private static final boolean REQUIRED = System.getenv("KEEL_REQUIRE_TMPFS") != null;

    private final Path mountPoint;

    private Tmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code size} (mount's syntax: "4m") at a new directory under {@code parent}. */
    static Tmpfs mount(Path parent, String size) throws IOException {
        Path mnt = Files.createDirectory(parent.resolve("mnt"));
        String why = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt.toString());
        if (why != null) {
            assertFalse(REQUIRED, "KEEL_REQUIRE_TMPFS is set but a tmpfs cannot be mounted: " + why);
            assumeTrue(false, "needs to mount a " + size + " tmpfs (root, mount allowed): " + why);
        }
        return new Tmpfs(mnt);
    }

    Path path() {
        return mountPoint;
    }

    /** Makes the file system read-only, as read-only media are. */
    void remountReadOnly() throws IOException {
        String why = run("mount", "-o", "remount,ro", mountPoint.toString());
        if (why != null) {
            throw new IOException(why);
        }
    }

    @Override
    public void close() throws IOException {
        String why = run("umount", mountPoint.toString());
        if (why != null) {
            throw new IOException(why);
        }
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        try {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? null : command[0] + " exited " + p.exitValue() + ": " + out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command[0], e);
        }
    }
}
