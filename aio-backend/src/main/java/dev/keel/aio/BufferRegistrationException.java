package dev.keel.aio;

/**
 * The kernel refused to register the buffers of {@link AioOptions#registeredBuffers} (on
 * io_uring, most often RLIMIT_MEMLOCK without CAP_IPC_LOCK; the message names the limit).
 * Registration only saves page pinning per transfer, so a caller may open the context again
 * without it; any other failure to open is an {@link AioException} of its own.
 */
public final class BufferRegistrationException extends AioException {
    private static final long serialVersionUID = 1L;

    public BufferRegistrationException(String operation, int errno, String detail) {
        super(operation, null, errno, detail);
    }
}
