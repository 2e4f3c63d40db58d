package dev.keel.aio.uring;

/**
 * The two io_uring system calls a running context makes, kernel style: each returns its result
 * or a negative errno, never throws, never allocates, and does not retry EINTR (the caller
 * knows whether EINTR means "submit again" or "return early"). Behind an interface, as
 * linux-aio's {@code AioSyscalls}, so a test can count entries or inject the kernel's refusals
 * (EAGAIN, EBUSY, EINTR) at the native-call boundary; the only production implementation is
 * {@link #KERNEL}. Setting the ring up (io_uring_setup, mmap) stays in {@link IoUringNative}.
 */
interface IoUringSyscalls {
    /** io_uring_enter flag: wait for {@code min_complete} completions. */
    int IORING_ENTER_GETEVENTS = 1;
    /** io_uring_enter flag: {@code arg} is a struct io_uring_getevents_arg (kernel 5.11+). */
    int IORING_ENTER_EXT_ARG = 8;

    int IORING_REGISTER_BUFFERS = 0;
    int IORING_UNREGISTER_BUFFERS = 1;

    /** io_uring_enter(fd, toSubmit, minComplete, flags, arg, argBytes): SQEs consumed, or -errno. */
    int enter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argBytes);

    /** io_uring_register(fd, opcode, arg, nrArgs): 0 or a positive answer, or -errno. */
    int register(int ringFd, int opcode, long argAddress, int nrArgs);

    /** The real system calls. */
    IoUringSyscalls KERNEL = new IoUringSyscalls() {
        @Override
        public int enter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argBytes) {
            return IoUringNative.enter(ringFd, toSubmit, minComplete, flags, argAddress, argBytes);
        }

        @Override
        public int register(int ringFd, int opcode, long argAddress, int nrArgs) {
            return IoUringNative.register(ringFd, opcode, argAddress, nrArgs);
        }
    };
}
