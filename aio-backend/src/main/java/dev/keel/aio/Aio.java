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
 * with its reason, once per process. A backend forced by name (in {@link AioOptions#backend} or
 * with {@code -Dkeel.aio.backend=NAME}) that cannot run throws {@link AioUnavailableException}:
 * never a silent fallback, since a user who asked for io_uring and got threads would publish
 * the wrong benchmark.
 */
public final class Aio {
    /** System property that forces a backend when the options name none. */
    public static final String BACKEND_PROPERTY = "keel.aio.backend";

    private static final System.Logger LOG = System.getLogger("dev.keel.aio");
    private static final List<AioBackend> BUILT_IN = List.of(new IoUringBackend(), new LinuxAioBackend(), new PosixAioBackend(),
        new ThreadsBackend());
    private static final List<AioBackend> BACKENDS = new java.util.concurrent.CopyOnWriteArrayList<>(BUILT_IN);
    private static volatile boolean skipsLogged;

    private Aio() {
    }

    /**
     * Adds a backend that can then be chosen by name (never picked as "best"): for example a
     * {@link FaultInjectingBackend} in a test of how an application survives a failing disk.
     * A backend with the same name is replaced.
     */
    public static void register(AioBackend backend) {
        BACKENDS.removeIf(b -> b.name().equals(backend.name()) && !BUILT_IN.contains(b));
        if (BUILT_IN.stream().anyMatch(b -> b.name().equals(backend.name()))) {
            throw new IllegalArgumentException("backend name '" + backend.name() + "' is built in");
        }
        BACKENDS.add(backend);
    }

    /** The registered backends, best first. */
    public static List<AioBackend> backends() {
        return BACKENDS;
    }

    /** The backend with this name. */
    public static AioBackend backend(String name) {
        for (AioBackend b : BACKENDS) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown AIO backend '" + name + "': known are "
            + BACKENDS.stream().map(AioBackend::name).collect(Collectors.joining(", ")));
    }

    /** The names of the backends this machine runs, best first. */
    public static List<String> availableBackends() {
        List<String> names = new ArrayList<>();
        for (AioBackend b : BACKENDS) {
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
        String forced = options.backend() != null ? options.backend() : System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            AioBackend b = backend(forced.trim());
            String reason = b.unavailableReason();
            if (reason != null) {
                throw new AioUnavailableException("AIO backend " + b.name() + " cannot run on this machine: " + reason);
            }
            return b.open(options);
        }
        StringBuilder skipped = new StringBuilder();
        for (AioBackend b : BUILT_IN) {
            String reason = b.unavailableReason();
            if (reason == null) {
                logSkipsOnce(skipped, b.name());
                return b.open(options);
            }
            skipped.append(skipped.length() == 0 ? "" : "; ").append(b.name()).append(": ").append(reason);
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
