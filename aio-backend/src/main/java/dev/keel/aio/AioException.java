package dev.keel.aio;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A native call failed. Carries the operation, the path where there is one, and the errno both
 * as a constant of the closed vocabulary and as the raw number.
 *
 * <p>The message reads as a Unix tool would print it: {@code open /data/x: EACCES (13)}, or
 * {@code io_uring_setup: EPERM (1) (disabled by seccomp or kernel.io_uring_disabled)}.
 */
public class AioException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final transient Path path;
    private final int rawErrno;

    public AioException(String operation, Path path, int errno) {
        this(operation, path, errno, null);
    }

    public AioException(String operation, Path path, int errno, String detail) {
        super(message(operation, path, errno, detail));
        this.operation = operation;
        this.path = path;
        this.rawErrno = Math.abs(errno);
    }

    private static String message(String operation, Path path, int errno, String detail) {
        StringBuilder sb = new StringBuilder(operation);
        if (path != null) {
            sb.append(' ').append(path);
        }
        sb.append(": ").append(Errno.format(errno));
        if (detail != null) {
            sb.append(" (").append(detail).append(')');
        }
        return sb.toString();
    }

    /** The native operation that failed, for example {@code open} or {@code io_uring_setup}. */
    public String operation() {
        return operation;
    }

    /** The file the operation was on, or null. */
    public Path path() {
        return path;
    }

    public Errno errno() {
        return Errno.of(rawErrno);
    }

    /** The positive errno number, also for values outside the vocabulary. */
    public int rawErrno() {
        return rawErrno;
    }
}
