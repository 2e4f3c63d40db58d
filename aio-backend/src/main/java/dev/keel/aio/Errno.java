package dev.keel.aio;

/**
 * The closed vocabulary of errno values that Keel's native calls can report, with their Linux
 * x86_64 numbers.
 *
 * <p>Every native failure is mapped to exactly one constant; a value outside the vocabulary maps
 * to {@link #EUNKNOWN} and the raw number is kept by {@link AioException#rawErrno()}. Out-of-space
 * conditions are separated from other I/O errors by {@link #isOutOfSpace()} because a log
 * reacts differently to them (the operator can free space; a media error needs a new disk).
 */
public enum Errno {
    /** Success: used by {@link AioRequest#errno()} for a request that did not fail. */
    NONE(0, "success"),
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such file or directory"),
    EINTR(4, "interrupted system call"),
    EIO(5, "input/output error"),
    ENXIO(6, "no such device or address"),
    E2BIG(7, "argument list too long"),
    EBADF(9, "bad file descriptor"),
    EAGAIN(11, "resource temporarily unavailable"),
    ENOMEM(12, "cannot allocate memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "file exists"),
    EXDEV(18, "invalid cross-device link"),
    ENODEV(19, "no such device"),
    ENOTDIR(20, "not a directory"),
    EISDIR(21, "is a directory"),
    EINVAL(22, "invalid argument"),
    ENFILE(23, "too many open files in system"),
    EMFILE(24, "too many open files"),
    ETXTBSY(26, "text file busy"),
    EFBIG(27, "file too large"),
    ENOSPC(28, "no space left on device"),
    ESPIPE(29, "illegal seek"),
    EROFS(30, "read-only file system"),
    EMLINK(31, "too many links"),
    EPIPE(32, "broken pipe"),
    ENAMETOOLONG(36, "file name too long"),
    ENOLCK(37, "no locks available"),
    ENOSYS(38, "function not implemented"),
    ENOTEMPTY(39, "directory not empty"),
    ELOOP(40, "too many levels of symbolic links"),
    ETIME(62, "timer expired"),
    EOVERFLOW(75, "value too large for defined data type"),
    EOPNOTSUPP(95, "operation not supported"),
    ETIMEDOUT(110, "connection timed out"),
    EALREADY(114, "operation already in progress"),
    EINPROGRESS(115, "operation now in progress"),
    EUCLEAN(117, "structure needs cleaning"),
    EDQUOT(122, "disk quota exceeded"),
    ECANCELED(125, "operation canceled"),
    /** Any value outside this vocabulary; {@link AioException#rawErrno()} keeps the number. */
    EUNKNOWN(-1, "unknown error");

    private static final int MAX_KNOWN = 125;
    private static final Errno[] BY_VALUE = new Errno[MAX_KNOWN + 1];

    static {
        for (Errno e : values()) {
            if (e.value >= 0) {
                assert BY_VALUE[e.value] == null : "duplicate errno value " + e.value;
                BY_VALUE[e.value] = e;
            }
        }
    }

    private final int value;
    private final String description;

    Errno(int value, String description) {
        this.value = value;
        this.description = description;
    }

    /** The Linux x86_64 number, or -1 for {@link #EUNKNOWN}. */
    public int value() {
        return value;
    }

    /** The strerror-style text, for messages. */
    public String description() {
        return description;
    }

    /** True for the conditions an operator fixes by freeing space: ENOSPC and EDQUOT. */
    public boolean isOutOfSpace() {
        return this == ENOSPC || this == EDQUOT;
    }

    /**
     * Maps a positive errno number (or a negative kernel-style return, as io_uring and
     * io_getevents give) to its constant; never allocates.
     */
    public static Errno of(int value) {
        int v = Math.abs(value);
        if (v <= MAX_KNOWN) {
            Errno e = BY_VALUE[v];
            if (e != null) {
                return e;
            }
        }
        return EUNKNOWN;
    }

    /** {@code "EACCES (13)"}, or for an unknown value {@code "EUNKNOWN (200)"}. */
    public static String format(int value) {
        int v = Math.abs(value);
        return of(v).name() + " (" + v + ")";
    }
}
