package dev.keel.aio.internal;

import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leader/follower wait linux-aio and posix share, single-threaded: who leads, when the kick runs. */
class LeaderFollowerWaitTest {
    private final AtomicInteger kicks = new AtomicInteger();
    private final LeaderFollowerWait wait = new LeaderFollowerWait(kicks::incrementAndGet);

    @Test
    void theFirstWaiterLeadsAndAFollowerReturnsWhenItsTimeIsUp() {
        long epoch = wait.epoch();
        assertTrue(wait.becomeLeader(epoch, 1_000_000L));
        assertFalse(wait.becomeLeader(epoch, 0), "a second waiter follows, and a zero timeout returns at once");
        wait.stepDown();
        assertTrue(wait.epoch() > epoch, "stepping down moves the epoch: followers reap");
        assertTrue(wait.becomeLeader(wait.epoch(), 0), "the next waiter may lead");
    }

    @Test
    void aWaiterWhoseEpochMovedReapsInsteadOfSleeping() {
        long epoch = wait.epoch();
        wait.wakeAll();
        assertFalse(wait.becomeLeader(epoch, 1_000_000L));
        assertEquals(0, kicks.get(), "no leader: nothing to kick");
    }

    @Test
    void wakeAllKicksASleepingLeaderAndCloseStopsEveryone() {
        assertTrue(wait.becomeLeader(wait.epoch(), 1_000_000L));
        wait.wakeAll();
        assertEquals(1, kicks.get());
        wait.stepDown();
        wait.close();
        assertFalse(wait.becomeLeader(wait.epoch(), 1_000_000L), "nobody leads once closing");
        wait.wakeAll();
        assertEquals(1, kicks.get(), "no kick after close");
    }

    @Test
    void awaitSleepsOnlyAsLeaderAndStepsDownEvenWhenTheSleepThrows() throws AioException {
        AtomicInteger sleeps = new AtomicInteger();
        long epoch = wait.epoch();
        wait.await(epoch, 1_000_000L, timeoutNs -> sleeps.incrementAndGet());
        assertEquals(1, sleeps.get(), "the first waiter leads and sleeps");
        wait.await(epoch, 1_000_000L, timeoutNs -> sleeps.incrementAndGet());
        assertEquals(1, sleeps.get(), "the epoch moved when the leader stepped down: reap instead of sleeping");
        assertThrows(AioException.class, () -> wait.await(wait.epoch(), 0, timeoutNs -> {
            throw new AioException("ppoll", null, Errno.EIO.value());
        }));
        assertTrue(wait.becomeLeader(wait.epoch(), 0), "the failed leader stepped down: another may lead");
    }
}
