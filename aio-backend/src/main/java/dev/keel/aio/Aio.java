package dev.keel.aio;

import dev.keel.aio.linuxaio.LinuxAioBackend;
import dev.keel.aio.uring.IoUringBackend;
import dev.keel.aio.posix.PosixAioBackend;
import dev.keel.aio.threads.ThreadsBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Opens AIO contexts: a backend forced by name, or the best this machine runs.
 *
 * <p>Probe and fallback, as illumos libc falls back to user-level workers when kernel AIO is
 * missing: the backends are tried in {@link #backends()} order and each one skipped is logged
 * with its reason, once per process. A backend forced by name or instance (in
 * {@link AioOptions#backend}) or with {@code -Dkeel.aio.backend=NAME} that cannot run throws
 * {@link AioUnavailableException}:
 * never a silent fallback, since a user who asked for io_uring and got threads would publish
 * the wrong benchmark.
 */
public final class Aio {
    /** System property that forces a backend when the options name none. */
    public static final String BACKEND_PROPERTY = "keel.aio.backend";

    private static final System.Logger LOG = System.getLogger("dev.keel.aio");
    private static final List<AioBackend> BUILT_IN = List.of(new IoUringBackend(), new LinuxAioBackend(), new PosixAioBackend(),
        new ThreadsBackend());
    private static volatile boolean skipsLogged;

    private Aio() {
    }

    /**
     * The four built-in backends, best first. The list is fixed: a backend of the caller's own
     * (a {@link FaultInjectingBackend}, a test's disk model) is passed as an instance in
     * {@link AioOptions#backend(AioBackend)}, never registered globally, so what this returns
     * never depends on what ran before.
     */
    public static List<AioBackend> backends() {
        return BUILT_IN;
    }

    /** The built-in backend with this name. */
    public static AioBackend backend(String name) {
        for (AioBackend b : BUILT_IN) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown AIO backend '" + name + "': known are "
            + BUILT_IN.stream().map(AioBackend::name).collect(Collectors.joining(", ")));
    }

    /** The names of the backends this machine runs, best first. */
    public static List<String> availableBackends() {
        List<String> names = new ArrayList<>();
        for (AioBackend b : BUILT_IN) {
            if (b.unavailableReason() == null) {
                names.add(b.name());
            }
        }
        return names;
    }

    public static AioContext open() throws AioException, AioUnavailableException {
        return open(AioOptions.defaults());
    }

    public static AioContext open(String backend) throws AioException, AioUnavailableException {
        return open(AioOptions.defaults().backend(backend));
    }

    public static AioContext open(AioOptions options) throws AioException, AioUnavailableException {
        return choose(options.backend()).open(options);
    }

    /**
     * The backend a context opened with {@code forced} would run on: {@code forced} itself, else
     * the one the system property {@code keel.aio.backend} names, else the best this machine runs.
     * A chosen backend that cannot run here throws: never a silent fallback. Callers that open
     * several contexts (the log: one for writes, one for recovery reads) choose once, so both run
     * on the same instance.
     */
    public static AioBackend choose(AioBackend forced) throws AioUnavailableException {
        String property = System.getProperty(BACKEND_PROPERTY);
        AioBackend b = forced != null ? forced : property != null && !property.isBlank() ? backend(property.trim()) : null;
        if (b != null) {
            String reason = b.unavailableReason();
            if (reason != null) {
                throw new AioUnavailableException("AIO backend " + b.name() + " cannot run on this machine: " + reason);
            }
            return b;
        }
        StringBuilder skipped = new StringBuilder();
        for (AioBackend candidate : BUILT_IN) {
            String reason = candidate.unavailableReason();
            if (reason == null) {
                logSkipsOnce(skipped, candidate.name());
                return candidate;
            }
            skipped.append(skipped.length() == 0 ? "" : "; ").append(candidate.name()).append(": ").append(reason);
        }
        throw new AioUnavailableException("no AIO backend can run on this machine: " + skipped);
    }

    private static void logSkipsOnce(StringBuilder skipped, String chosen) {
        if (skipped.length() > 0 && !skipsLogged) {
            skipsLogged = true;
            LOG.log(System.Logger.Level.INFO, "AIO backend " + chosen + " chosen; skipped " + skipped);
        }
    }
}
