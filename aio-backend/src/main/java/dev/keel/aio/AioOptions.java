package dev.keel.aio;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * How to open an {@link AioContext}. Immutable: each wither returns a copy.
 *
 * <pre>
 *   AioContext ctx = Aio.open(AioOptions.defaults().backend("io_uring").maxInFlight(64));
 * </pre>
 */
public final class AioOptions {
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final int MAX_MAX_IN_FLIGHT = 32768;
    public static final int DEFAULT_WORKER_THREADS = 4;
    public static final int MAX_WORKER_THREADS = 256;

    private static final AioOptions DEFAULTS =
        new AioOptions(null, DEFAULT_MAX_IN_FLIGHT, DEFAULT_WORKER_THREADS, List.of());

    private final AioBackend backend;
    private final int maxInFlight;
    private final int workerThreads;
    private final List<ByteBuffer> registeredBuffers;

    private AioOptions(AioBackend backend, int maxInFlight, int workerThreads, List<ByteBuffer> registeredBuffers) {
        this.backend = backend;
        this.maxInFlight = maxInFlight;
        this.workerThreads = workerThreads;
        this.registeredBuffers = registeredBuffers;
    }

    /** The best backend available, 256 requests in flight, 4 worker threads where a backend uses them. */
    public static AioOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Forces a built-in backend by name ({@code io_uring}, {@code linux-aio}, {@code posix},
     * {@code threads}); an unknown name is refused here, naming the known ones. Null picks the
     * best available, or the system property {@code keel.aio.backend} when set. A forced
     * backend that cannot run is an error at open, never a silent fallback.
     */
    public AioOptions backend(String name) {
        return backend(name == null ? null : Aio.backend(name));
    }

    /**
     * Forces this backend instance: a built-in one, or one of the caller's own (a
     * {@link FaultInjectingBackend}, a test's disk model). Null picks as {@link #backend(String)} does.
     */
    public AioOptions backend(AioBackend backend) {
        return new AioOptions(backend, maxInFlight, workerThreads, registeredBuffers);
    }

    /** Requests submitted and not yet delivered, at most; 1 to 32768. */
    public AioOptions maxInFlight(int requests) {
        if (requests < 1 || requests > MAX_MAX_IN_FLIGHT) {
            throw new IllegalArgumentException("maxInFlight=" + requests + " must be between 1 and " + MAX_MAX_IN_FLIGHT);
        }
        return new AioOptions(backend, requests, workerThreads, registeredBuffers);
    }

    /** Worker threads for the user-level backend ({@code threads}); 1 to 256. */
    public AioOptions workerThreads(int threads) {
        if (threads < 1 || threads > MAX_WORKER_THREADS) {
            throw new IllegalArgumentException("workerThreads=" + threads + " must be between 1 and " + MAX_WORKER_THREADS);
        }
        return new AioOptions(backend, maxInFlight, threads, registeredBuffers);
    }

    /**
     * Direct buffers to register with the kernel for the context's life (what seed 004 calls
     * locking the transfer memory; io_uring's fixed buffers). A request whose memory lies wholly
     * inside one of them may then skip the per-request page pinning. Backends without the
     * facility ignore the list. The buffers must stay reachable while the context is open.
     */
    public AioOptions registeredBuffers(ByteBuffer... buffers) {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] == null || !buffers[i].isDirect()) {
                throw new IllegalArgumentException("registeredBuffers[" + i + "] must be a direct ByteBuffer");
            }
        }
        return new AioOptions(backend, maxInFlight, workerThreads, List.of(buffers));
    }

    public List<ByteBuffer> registeredBuffers() {
        return registeredBuffers;
    }

    /** The forced backend, or null for the best available. */
    public AioBackend backend() {
        return backend;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public int workerThreads() {
        return workerThreads;
    }

    @Override
    public String toString() {
        return "AioOptions[backend=" + (backend == null ? null : backend.name()) + ", maxInFlight=" + maxInFlight + ", workerThreads=" + workerThreads
            + ", registeredBuffers=" + registeredBuffers.size() + "]";
    }
}
