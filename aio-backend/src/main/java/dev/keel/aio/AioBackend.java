package dev.keel.aio;

/**
 * The SPI a backend implements: a name, a probe, and a factory for contexts. Contexts extend
 * {@link AbstractAioContext}, which holds everything backends share.
 */
public interface AioBackend {
    /** {@code io_uring}, {@code linux-aio}, {@code posix} or {@code threads}. */
    String name();

    /**
     * Null when this machine can run the backend, else one line saying why not, for example
     * {@code io_uring_setup: EPERM (1) (disabled by seccomp or kernel.io_uring_disabled)}.
     * Probes the kernel once and caches the answer.
     */
    String unavailableReason();

    AioContext open(AioOptions options) throws AioException;

    /**
     * The file system this backend's files live on: {@link Storage#OS} for every real backend;
     * a test's disk model returns its recording one, so that the log, which takes both from one
     * backend instance, can never mix a model's requests with unrecorded file operations.
     */
    default Storage storage() {
        return Storage.OS;
    }
}
