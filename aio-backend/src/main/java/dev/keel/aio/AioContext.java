package dev.keel.aio;

/**
 * A completion port with POSIX AIO semantics: requests go in as batches ({@code lio_listio}
 * with LIO_NOWAIT), completions come out exactly once through {@link #await} (as
 * {@code port_getn} waits for between a minimum and a maximum of events) or {@link #poll}.
 *
 * <h2>The contract every backend keeps (the conformance suite proves each clause)</h2>
 * <ol>
 *   <li>Requests are the caller's reusable {@link AioRequest}s; nothing is allocated per request
 *       in steady state.</li>
 *   <li>{@link #submit} takes a whole batch in one call (one kernel entry where the backend
 *       allows). It accepts a prefix: fewer than asked only when {@link #inFlight()} reaches
 *       {@link AioLimits#maxInFlight()}. Every accepted request produces exactly one completion,
 *       failures included (a request the kernel rejects at submission completes with that
 *       errno), so the caller always knows which requests are in.</li>
 *   <li>Completions are delivered exactly once, to one caller of {@code await}, {@code poll} or
 *       {@code submitAndWait}, under any concurrency.</li>
 *   <li>Appends to one file land in submission order.</li>
 *   <li>A SYNC completes only after every write submitted earlier on the same file descriptor
 *       has completed, and then syncs: DATA with fdatasync, FILE with fsync.</li>
 *   <li>A failed request never looks like a success: its result is a negative errno. EINTR is
 *       retried inside the backend.</li>
 *   <li>{@link #cancel} answers CANCELED, ALL_DONE or NOT_CANCELED as aio_cancel does.</li>
 * </ol>
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface AioContext extends AutoCloseable {
    /** Wait forever in {@link #await}. */
    long INFINITE = Long.MAX_VALUE;

    /** The backend's name: {@code threads}, {@code io_uring}, {@code linux-aio} or {@code posix}. */
    String backendName();

    AioLimits limits();

    /**
     * Submits {@code batch[from, from + count)} without waiting. Returns how many were accepted:
     * {@code batch[from, from + accepted)} are SUBMITTED and the rest stay PREPARED, untouched.
     *
     * @throws IllegalArgumentException for a bad range or a request that is not PREPARED
     * @throws IllegalStateException when the context is closed
     * @throws AioException when the backend itself failed and accepted nothing
     */
    int submit(AioRequest[] batch, int from, int count) throws AioException;

    /**
     * Submits {@code batch[from, from + count)} and waits until all of them have completed
     * (lio_listio with LIO_WAIT). Their completions are consumed by this call, never delivered to
     * {@code await} or {@code poll}; read each request's result afterwards. Returns how many
     * completed without error.
     *
     * @throws IllegalArgumentException when count exceeds {@link AioLimits#maxInFlight()}
     */
    int submitAndWait(AioRequest[] batch, int from, int count) throws AioException;

    /**
     * {@link #submitAndWait}, run in the calling thread when the context is idle: with nothing in
     * flight, the requests are made there and then with the plain system calls (pread, pwrite,
     * write, fdatasync, fsync), in batch order, with no hand-off to a kernel worker or a thread of
     * the backend (illumos libc AIO's rule: do the work in the caller when no worker is needed).
     * The caller waits anyway, so nothing is lost; what is saved is a wake-up on each side (an
     * fsync on io_uring always goes to an io-wq worker; a buffered write with O_DSYNC too). With
     * anything in flight it is exactly {@link #submitAndWait}, so the ordering clauses hold
     * against every earlier submission. Requests other threads submit while it runs are not
     * ordered against it, as with any two concurrent submitters. An inline request cannot be
     * canceled: {@link #cancel} answers NOT_CANCELED until it is done.
     *
     * <p>Results, states and counters are as for {@code submitAndWait}
     * ({@link AioCounter#INLINE_REQUESTS} counts the requests run this way).
     */
    default int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
        return submitAndWait(batch, from, count);
    }

    /**
     * Waits until at least {@code min} completions are delivered into {@code out[0, n)}, at most
     * {@code max}, or {@code timeoutNs} passes, or {@link #wakeup()} is called. Returns n, which
     * is below {@code min} only after a timeout or a wakeup. {@code min == 0} never blocks.
     *
     * @param timeoutNs nanoseconds to wait, or {@link #INFINITE}
     */
    int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException;

    /** Delivers up to {@code max} completions that are already there; never blocks. */
    int poll(AioRequest[] out, int max) throws AioException;

    /**
     * Makes one waiter in {@link #await} return early, or the next call to it when nobody is
     * waiting (the alert of event ports, the wake-up of VirtualBox's file AIO).
     */
    void wakeup();

    /**
     * Tries to stop a submitted request. A CANCELED request is still delivered, once, with state
     * CANCELED and ECANCELED as its result.
     *
     * @throws IllegalArgumentException when the request was not submitted to this context
     */
    CancelResult cancel(AioRequest request) throws AioException;

    /** Requests submitted and not yet delivered. */
    int inFlight();

    /** How often each native operation was issued, counted where the backend hands it to the kernel. */
    long count(AioCounter counter);

    /** The file system this context's files live on: its backend's {@link AioBackend#storage()}. */
    default Storage storage() {
        return Storage.OS;
    }

    /**
     * Releases the backend's resources.
     *
     * @throws IllegalStateException while requests are in flight: their buffers could otherwise
     *     be written by the kernel after the caller frees them
     */
    @Override
    void close() throws AioException;
}
