package dev.keel.aio.linuxaio;

/**
 * The five Linux AIO system calls, kernel style: each returns its result or a negative errno,
 * never throws, never allocates, and does not retry EINTR (the context does, so a test can
 * prove it). Behind an interface so tests can count calls, withhold completions or inject
 * failures at the native-call boundary (as Aeron's {@code RecordingWriter} or TigerBeetle's
 * {@code testing/storage.zig} do); the only production implementation is {@link #KERNEL}.
 */
interface AioSyscalls {
    /** io_setup(2): writes the context id at {@code contextIdAddress}, which must hold 0. */
    long ioSetup(int maxEvents, long contextIdAddress);

    long ioDestroy(long contextId);

    /** io_submit(2): how many of the {@code count} iocb pointers were taken, or -errno of the first. */
    long ioSubmit(long contextId, long count, long iocbPointersAddress);

    long ioGetevents(long contextId, long minEvents, long maxEvents, long eventsAddress, long timeoutAddress);

    long ioCancel(long contextId, long iocbAddress, long resultEventAddress);

    /** The real system calls. */
    AioSyscalls KERNEL = new AioSyscalls() {
        @Override
        public long ioSetup(int maxEvents, long contextIdAddress) {
            return kernel(LinuxAioNative.syscall(LinuxAioNative.SYS_IO_SETUP, maxEvents, contextIdAddress, 0, 0, 0, 0));
        }

        @Override
        public long ioDestroy(long contextId) {
            return kernel(LinuxAioNative.syscall(LinuxAioNative.SYS_IO_DESTROY, contextId, 0, 0, 0, 0, 0));
        }

        @Override
        public long ioSubmit(long contextId, long count, long iocbPointersAddress) {
            return kernel(LinuxAioNative.syscall(LinuxAioNative.SYS_IO_SUBMIT, contextId, count, iocbPointersAddress,
                0, 0, 0));
        }

        @Override
        public long ioGetevents(long contextId, long minEvents, long maxEvents, long eventsAddress, long timeoutAddress) {
            return kernel(LinuxAioNative.syscall(LinuxAioNative.SYS_IO_GETEVENTS, contextId, minEvents, maxEvents,
                eventsAddress, timeoutAddress, 0));
        }

        @Override
        public long ioCancel(long contextId, long iocbAddress, long resultEventAddress) {
            return kernel(LinuxAioNative.syscall(LinuxAioNative.SYS_IO_CANCEL, contextId, iocbAddress,
                resultEventAddress, 0, 0, 0));
        }

        /** libc's syscall() answers -1 and errno; the kernel's own convention is -errno. */
        private long kernel(long result) {
            return result < 0 ? -LinuxAioNative.errno() : result;
        }
    };
}
