package dev.keel.aio.internal;

import dev.keel.aio.AioException;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One waiter at a time sleeps in the kernel (the leader); the others (followers) sleep on a
 * condition until the wake epoch moves: when the leader steps down, or on {@link #wakeAll}.
 * Used by the linux-aio backend (the leader sleeps in ppoll on the completion eventfd) and the
 * POSIX backend (the leader sleeps in aio_suspend), where only one thread may usefully wait in
 * the kernel at a time.
 *
 * <pre>
 *   waiter: e = epoch() ─► look for completions ─► becomeLeader(e, timeout)
 *              epoch moved since e, or closing ─────────────────────────► false: reap again
 *              no leader ─► leader ─► true: sleep in the kernel ─► stepDown() (epoch + 1, followers wake)
 *              a leader ─► follow until the epoch moves or the timeout passes ─► false
 *   wakeAll(): epoch + 1, followers wake, and the kick reaches a leader sleeping in the kernel
 * </pre>
 *
 * <p>No lost wake-up: a waiter notes the epoch before it looks for completions and sleeps only
 * while the epoch has not moved since, so a completion either is visible in that look or moves
 * the epoch (through the leader's return or a wake-up) after it. The kick runs under this
 * class's lock and never after {@link #close} has begun, so a backend can release what the kick
 * writes to (an eventfd) once close returns.
 */
public final class LeaderFollowerWait {
    /** Wakes a leader sleeping in the kernel; called under the wait's lock, only while a leader is present. */
    @FunctionalInterface
    public interface LeaderKick {
        void kick();
    }

    /** What the leader does while it leads: sleeps in the kernel until a completion, a wake-up or the timeout. */
    @FunctionalInterface
    public interface KernelSleep {
        void sleep(long timeoutNs) throws AioException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition epochAdvanced = lock.newCondition();
    private final LeaderKick kick;
    private volatile long epoch;
    private boolean leaderPresent;
    private boolean closing;

    /** @param kick how {@link #wakeAll} and {@link #close} reach a sleeping leader; null when they need not */
    public LeaderFollowerWait(LeaderKick kick) {
        this.kick = kick;
    }

    /** The wake epoch: note it before looking for completions, and pass it to {@link #becomeLeader}. */
    public long epoch() {
        return epoch;
    }

    /**
     * True when the caller is now the leader and must sleep in the kernel, then call
     * {@link #stepDown}. Otherwise it followed the current leader until the epoch moved or
     * {@code timeoutNs} passed, or the epoch had already moved since {@code notedEpoch} was read
     * (something may have completed: reap first), or the wait is closing.
     */
    public boolean becomeLeader(long notedEpoch, long timeoutNs) {
        lock.lock();
        try {
            if (closing || epoch != notedEpoch) {
                return false;
            }
            if (!leaderPresent) {
                leaderPresent = true;
                return true;
            }
            long remainingNs = timeoutNs;
            while (epoch == notedEpoch && remainingNs > 0) {
                remainingNs = epochAdvanced.awaitNanos(remainingNs);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One waiter's whole wait, once it noted {@code notedEpoch} and then found nothing to reap:
     * as leader it sleeps through {@code sleep} and steps down, even when the sleep throws; else
     * it follows as {@link #becomeLeader} says. Pass a {@code sleep} made once: a method
     * reference made per call would allocate on the hot path.
     */
    public void await(long notedEpoch, long timeoutNs, KernelSleep sleep) throws AioException {
        if (!becomeLeader(notedEpoch, timeoutNs)) {
            return;
        }
        try {
            sleep.sleep(timeoutNs);
        } finally {
            stepDown();
        }
    }

    /** The leader is back from the kernel: followers wake, and one of them may lead next. */
    public void stepDown() {
        lock.lock();
        try {
            assert leaderPresent : "stepping down with no leader";
            leaderPresent = false;
            advance();
        } finally {
            lock.unlock();
        }
    }

    /** Every waiter returns to reap: followers at once, the leader through the kick. */
    public void wakeAll() {
        lock.lock();
        try {
            advance();
            if (leaderPresent && !closing && kick != null) {
                kick.kick();
            }
        } finally {
            lock.unlock();
        }
    }

    /** No waiter sleeps from now on: wakes every one and returns once the leader has stepped down. */
    public void close() {
        lock.lock();
        try {
            closing = true;
            advance();
            if (leaderPresent && kick != null) {
                kick.kick();
            }
            while (leaderPresent) {
                epochAdvanced.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void advance() {
        epoch++;
        epochAdvanced.signalAll();
    }
}
