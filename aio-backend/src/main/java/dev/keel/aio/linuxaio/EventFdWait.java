package dev.keel.aio.linuxaio;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import dev.keel.aio.internal.LeaderFollowerWait;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

import static dev.keel.aio.linuxaio.LinuxAioNative.POLLFD_EVENTS_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.POLLFD_FD_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.TIMESPEC_NSEC_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.TIMESPEC_SEC_OFFSET;

/**
 * Blocking and wakeup for a Linux AIO context, on the completion eventfd.
 *
 * <pre>
 *   scratch (one small direct buffer), each field used by one role:
 *   +--------------------+-----------------+----------------+------------------+
 *   | wait timespec 16 B | pollfd 8 B      | eventfd one 8 B| eventfd drain 8 B|
 *   +--------------------+-----------------+----------------+------------------+
 *     the leader           the leader        the kicker       the leader
 *
 *   block: e = epoch ─► completions visible? ─ yes ─► return (reap)
 *            └ no ─► becomeLeader(e)? ─ no (followed, or the epoch moved) ─► return
 *                      └ yes ─► ppoll(eventfd, timeout) ─► read(eventfd) drains it ─► stepDown
 *   wakeAll ─► epoch + 1, followers wake; a leader in ppoll is kicked: write(eventfd, 1)
 * </pre>
 *
 * <p>Every iocb carries {@code IOCB_FLAG_RESFD}, so each completion adds 1 to this non-blocking
 * eventfd. One waiter at a time, the leader, sleeps in {@code ppoll} on it and drains it when it
 * wakes; the other waiters sleep on a condition ({@link LeaderFollowerWait}). Whenever the
 * leader steps down, or {@link #wakeAll} is called, the wake epoch advances and every waiter
 * returns to reap. A waiter notes the epoch, then looks for completions, and sleeps only if the
 * epoch has not moved since: a completion is either visible in that look or arrives after it,
 * and then the eventfd or the epoch shows it, so no wakeup is lost however many threads wait
 * and however few completions each takes. The eventfd is written only when a leader sleeps in
 * {@code ppoll}.
 */
final class EventFdWait {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int EINTR = Errno.EINTR.value();
    private static final int WAIT_TIMEOUT_AT = 0;
    private static final int POLLFD_AT = WAIT_TIMEOUT_AT + LinuxAioNative.TIMESPEC_BYTES;
    private static final int EVENTFD_ONE_AT = POLLFD_AT + LinuxAioNative.POLLFD_BYTES;
    private static final int EVENTFD_DRAIN_AT = EVENTFD_ONE_AT + Long.BYTES;
    private static final int SCRATCH_BYTES = EVENTFD_DRAIN_AT + Long.BYTES;

    private final int eventFd;
    /** Holds the scratch memory; never freed by hand (the garbage collector frees it with the context). */
    private final ByteBuffer nativeMemory;
    private final UnsafeBuffer scratch;
    private final long scratchAddress;
    /** The leader sleeps in ppoll on the eventfd, the others on its condition; its lock is a leaf lock. */
    private final LeaderFollowerWait waiters = new LeaderFollowerWait(this::kickLeader);
    /** The leader's sleep, made once (see {@link LeaderFollowerWait#await}). */
    private final LeaderFollowerWait.KernelSleep leaderSleep = this::waitForEventFd;

    private EventFdWait(int eventFd) {
        this.eventFd = eventFd;
        this.nativeMemory = BufferUtil.allocateDirectAligned(SCRATCH_BYTES, Long.BYTES);
        this.scratch = new UnsafeBuffer(nativeMemory);
        this.scratchAddress = scratch.addressOffset();
        scratch.putInt(POLLFD_AT + POLLFD_FD_OFFSET, eventFd);
        scratch.putShort(POLLFD_AT + POLLFD_EVENTS_OFFSET, LinuxAioNative.POLLIN);
        scratch.putLong(EVENTFD_ONE_AT, 1L);
    }

    /** A new non-blocking eventfd, closed on exec. */
    static EventFdWait open() throws AioException {
        int fd = LinuxAioNative.eventfd(0, LinuxAioNative.EFD_NONBLOCK | LinuxAioNative.EFD_CLOEXEC);
        if (fd < 0) {
            throw new AioException("eventfd", null, LinuxAioNative.errno());
        }
        return new EventFdWait(fd);
    }

    /** The eventfd every iocb names in {@code aio_resfd}. */
    int eventFd() {
        return eventFd;
    }

    /** Waits up to {@code timeoutNs} unless {@code completionsVisible} already says there is something to reap. */
    void block(long timeoutNs, BooleanSupplier completionsVisible) throws AioException {
        long epoch = waiters.epoch();
        if (!completionsVisible.getAsBoolean()) {
            waiters.await(epoch, timeoutNs, leaderSleep);
        }
    }

    /** The leader's wait: ppoll on the eventfd, then drain it. EINTR returns early. */
    private void waitForEventFd(long timeoutNs) throws AioException {
        long timeoutAddress = 0L;
        if (timeoutNs != AioContext.INFINITE) {
            scratch.putLong(WAIT_TIMEOUT_AT + TIMESPEC_SEC_OFFSET, timeoutNs / NANOS_PER_SECOND);
            scratch.putLong(WAIT_TIMEOUT_AT + TIMESPEC_NSEC_OFFSET, timeoutNs % NANOS_PER_SECOND);
            timeoutAddress = scratchAddress + WAIT_TIMEOUT_AT;
        }
        int ready = LinuxAioNative.ppoll(scratchAddress + POLLFD_AT, 1, timeoutAddress, 0L);
        if (ready < 0) {
            int errno = LinuxAioNative.errno();
            if (errno != EINTR) {
                throw new AioException("ppoll", null, errno);
            }
            return;
        }
        if (ready > 0) {
            long r;
            do {
                r = LinuxAioNative.read(eventFd, scratchAddress + EVENTFD_DRAIN_AT, Long.BYTES);
            } while (r < 0 && LinuxAioNative.errno() == EINTR);
        }
    }

    /** Every waiter returns to reap. */
    void wakeAll() {
        waiters.wakeAll();
    }

    /** Under the wait's lock, with a leader in ppoll. EAGAIN (counter full) needs nothing: it is readable. */
    private void kickLeader() {
        long r;
        do {
            r = LinuxAioNative.write(eventFd, scratchAddress + EVENTFD_ONE_AT, Long.BYTES);
        } while (r < 0 && LinuxAioNative.errno() == EINTR);
    }

    /** Sends every waiter back and returns once none sleeps on the eventfd; no waiter sleeps from now on. */
    void stopWaiters() {
        waiters.close();
    }

    /** Closes the eventfd, after {@link #stopWaiters} and once the kernel context is gone. */
    void closeEventFd() {
        LinuxAioNative.close(eventFd);
    }
}
