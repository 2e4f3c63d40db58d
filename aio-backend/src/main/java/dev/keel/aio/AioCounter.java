package dev.keel.aio;

/** Native operations a context counts at the point where it hands them to the kernel. */
public enum AioCounter {
    /** Kernel entries made to submit work (io_uring_enter, io_submit, lio_listio, worker hand-offs). */
    SUBMIT_CALLS,
    READS,
    /** Positional writes and appends. */
    WRITES,
    /** fdatasync(2), or its asynchronous equivalent (IORING_FSYNC_DATASYNC, IOCB_CMD_FDSYNC, aio_fsync(O_DSYNC)). */
    DATA_SYNCS,
    /** fsync(2), or its asynchronous equivalent. */
    FILE_SYNCS,
    /** Completions delivered. */
    COMPLETIONS,
    /** Kernel entries made to wait for completions. */
    WAIT_CALLS,
    /** Requests {@link AioContext#submitAndWaitInline} ran in the calling thread (each also counted as its operation). */
    INLINE_REQUESTS,
    /** Transfers issued on memory registered with the kernel (io_uring READ_FIXED / WRITE_FIXED; see AioOptions.registeredBuffers). */
    FIXED_TRANSFERS
}
