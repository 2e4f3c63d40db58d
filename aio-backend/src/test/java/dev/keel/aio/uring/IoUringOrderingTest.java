package dev.keel.aio.uring;

import dev.keel.aio.AioOpcode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.keel.aio.AioOpcode.APPEND;
import static dev.keel.aio.AioOpcode.READ;
import static dev.keel.aio.AioOpcode.SYNC;
import static dev.keel.aio.AioOpcode.WRITE;
import static dev.keel.aio.uring.ScriptedRingKernel.ECANCELED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The io_uring ordering core without a kernel, driven by {@link ScriptedRingKernel}: the cases
 * the conformance suite cannot force on a real ring (a chain broken by an error, a linked sync
 * canceled with it, a cancel that breaks a chain, completions in a chosen order), then
 * randomized runs checked against the contract's ordering clauses.
 */
class IoUringOrderingTest {
    private static final int FD = 7;
    private static final int OTHER_FD = 8;
    private static final int BYTES = 4096;
    private static final int EIO = -5;

    private final ScriptedRingKernel kernel = new ScriptedRingKernel(4096);
    private final IoUringOrdering ordering = new IoUringOrdering(4096, kernel);

    {
        kernel.attach(ordering);
    }

    private List<Integer> issuedSlots() {
        List<Integer> slots = new ArrayList<>();
        kernel.issued.forEach(sqe -> slots.add(sqe.slot()));
        return slots;
    }

    @Test
    void writesAndTheirSyncInOneCallGoAsOneLinkedChain() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, WRITE, FD, false);
        kernel.accept(2, SYNC, FD, false);
        kernel.endCall();
        assertEquals(List.of(new ScriptedRingKernel.Sqe(0, true), new ScriptedRingKernel.Sqe(1, true),
            new ScriptedRingKernel.Sqe(2, false)), kernel.issued);
        kernel.run(0, BYTES);
        kernel.run(1, BYTES);
        kernel.run(2, 0);
        assertEquals(List.of(0, 1, 2), kernel.delivered);
        assertEquals(1, ordering.linkedSyncsIssued());
        assertEquals(0, ordering.orderedFiles(), "an idle file keeps no order");
    }

    @Test
    void aChainBrokenByAnErrorRunsTheRestAgainAndTheSyncOnlyAfterThem() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, WRITE, FD, false);
        kernel.accept(2, APPEND, FD, false);
        kernel.accept(3, SYNC, FD, false);
        kernel.endCall();
        kernel.run(0, EIO);   // the kernel cancels 1, 2 and 3 with ECANCELED
        assertEquals(List.of(0), kernel.delivered, "only the failed write is final");
        assertEquals(List.of(EIO), kernel.deliveredResults);
        assertEquals(List.of(0, 1, 2, 3, 1, 2), issuedSlots(), "1 and 2 again, as one chain, the sync held");
        assertTrue(kernel.issued.get(4).linkNext() && !kernel.issued.get(5).linkNext());
        assertEquals(1, ordering.heldRequests(), "the linked sync the kernel canceled waits as a held sync");
        kernel.run(1, BYTES);
        assertEquals(List.of(0, 1, 2, 3, 1, 2), issuedSlots(), "the sync waits for the append too");
        kernel.run(2, BYTES);
        assertEquals(List.of(0, 1, 2, 3, 1, 2, 3), issuedSlots(), "the sync goes once every earlier write is final");
        kernel.run(3, 0);
        assertEquals(List.of(0, 1, 2, 3), kernel.delivered);
        assertEquals(List.of(EIO, BYTES, BYTES, 0), kernel.deliveredResults, "no ECANCELED nobody asked for");
        assertEquals(List.of(0, 1, 2, 3), kernel.timeline, "the sync ran after every earlier write");
        assertEquals(3, ordering.reissues());
        assertEquals(0, ordering.orderedFiles());
    }

    @Test
    void aLinkedSyncCanceledWithItsBrokenChainRunsAloneAfterTheFailedWrite() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, SYNC, FD, false);
        kernel.endCall();
        kernel.run(0, EIO);
        assertEquals(List.of(0, 1, 1), issuedSlots(), "the sync runs again, alone");
        assertFalse(kernel.issued.get(2).linkNext());
        kernel.run(1, 0);
        assertEquals(List.of(0, 1), kernel.delivered);
        assertEquals(List.of(EIO, 0), kernel.deliveredResults,
            "the sync's own result is a real fdatasync's after the failed write; the write keeps its error");
        assertEquals(List.of(0, 1), kernel.timeline);
    }

    @Test
    void aUserCancelThatBreaksAChainIsDeliveredCanceledAndTheRestRunsAgain() {
        kernel.accept(0, APPEND, FD, false);
        kernel.accept(1, APPEND, FD, false);
        kernel.accept(2, SYNC, FD, false);
        kernel.endCall();
        kernel.cancelInKernel(0);
        assertEquals(List.of(0), kernel.delivered);
        assertEquals(List.of(ECANCELED), kernel.deliveredResults, "the request the user canceled");
        assertEquals(List.of(0, 1, 2, 1), issuedSlots(), "the other append again; the sync now held behind it");
        kernel.run(1, BYTES);
        kernel.run(2, 0);
        assertEquals(List.of(0, 1, 2), kernel.delivered);
        assertEquals(List.of(ECANCELED, BYTES, 0), kernel.deliveredResults);
    }

    @Test
    void aHeldSyncIsReleasedWhenItsEarlierWritesCompleteAndLaterWritesDoNotWait() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, WRITE, FD, false);
        kernel.endCall();
        kernel.accept(2, SYNC, FD, false);
        kernel.endCall();
        kernel.accept(3, WRITE, FD, false);
        kernel.endCall();
        assertEquals(List.of(0, 1, 3), issuedSlots(), "the sync is held; the later write goes at once");
        assertEquals(1, ordering.heldRequests());
        kernel.run(1, BYTES);
        kernel.run(3, BYTES);
        assertEquals(List.of(0, 1, 3), issuedSlots(), "a later write's completion does not release the sync");
        kernel.run(0, BYTES);
        assertEquals(List.of(0, 1, 3, 2), issuedSlots(), "released by its last earlier write");
        assertEquals(1, ordering.heldSyncsIssued());
        kernel.run(2, 0);
        assertEquals(List.of(1, 3, 0, 2), kernel.delivered);
    }

    @Test
    void aCanceledHeldSyncIsDeliveredCanceledAndLeavesTheWritesAlone() {
        kernel.accept(0, WRITE, FD, false);
        kernel.endCall();
        kernel.accept(1, SYNC, FD, false);
        kernel.endCall();
        assertEquals(IoUringOrdering.PHASE_HELD, ordering.phase(1));
        kernel.cancelHeld(1);
        kernel.run(0, BYTES);
        assertEquals(List.of(0), issuedSlots(), "the canceled sync never reaches the kernel");
        assertEquals(List.of(1, 0), kernel.delivered);
        assertEquals(List.of(ECANCELED, BYTES), kernel.deliveredResults);
        assertEquals(0, ordering.heldRequests());
        assertEquals(0, ordering.orderedFiles());
    }

    @Test
    void aCanceledHeldAppendLetsTheSyncBehindItGo() {
        kernel.accept(0, APPEND, FD, false);
        kernel.endCall();
        kernel.accept(1, APPEND, FD, false);
        kernel.endCall();
        kernel.accept(2, SYNC, FD, false);
        kernel.endCall();
        assertEquals(List.of(0), issuedSlots(), "the second append waits for the first's chain, the sync for both");
        kernel.run(0, BYTES);
        assertEquals(List.of(0, 1), issuedSlots());
        kernel.accept(3, APPEND, FD, false);
        kernel.endCall();
        kernel.cancelHeld(3);
        kernel.run(1, BYTES);
        assertEquals(List.of(0, 1, 2), issuedSlots(), "the sync no longer waits for the canceled append");
    }

    @Test
    void appendsOnOneFileReachTheKernelInSubmissionOrderAsChains() {
        kernel.accept(0, APPEND, FD, false);
        kernel.endCall();
        kernel.accept(1, APPEND, FD, false);
        kernel.endCall();
        kernel.accept(2, APPEND, FD, false);
        kernel.endCall();
        assertEquals(List.of(0), issuedSlots(), "one append chain in flight per file");
        kernel.run(0, BYTES);
        assertEquals(List.of(0, 1, 2), issuedSlots(), "the held ones go as the next chain, in order");
        assertTrue(kernel.issued.get(1).linkNext());
        assertEquals(2, ordering.chainsIssued());
        kernel.run(1, BYTES);
        kernel.run(2, BYTES);
        assertEquals(List.of(0, 1, 2), kernel.timeline);
    }

    @Test
    void writesOnTwoFilesAreIndependent() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, WRITE, OTHER_FD, false);
        kernel.accept(2, APPEND, FD, false);
        kernel.accept(3, APPEND, OTHER_FD, false);
        kernel.endCall();
        kernel.accept(4, SYNC, FD, false);
        kernel.endCall();
        assertEquals(Set.of(0, 1, 2, 3), new HashSet<>(issuedSlots()), "one file's append does not hold the other's");
        kernel.run(0, BYTES);
        kernel.run(2, BYTES);
        assertEquals(4, issuedSlots().get(4), "the sync of one file does not wait for the other file's writes");
        kernel.run(4, 0);
        assertEquals(List.of(0, 2, 4), kernel.delivered);
        kernel.run(1, BYTES);
        kernel.run(3, BYTES);
        assertEquals(0, ordering.orderedFiles());
    }

    @Test
    void aLinkedSyncWhoseResultComesFirstIsParkedAndDeliveredAfterItsWrite() {
        kernel.accept(0, WRITE, FD, false);
        kernel.accept(1, SYNC, FD, false);
        kernel.endCall();
        // The kernel posts chain members in order; should the sync's completion be processed
        // first anyway (say, two reapers), it must not be delivered before its write's.
        assertFalse(ordering.finish(1, 0), "parked, not final");
        assertEquals(1, ordering.parkedSyncs());
        assertTrue(ordering.finish(0, BYTES));
        assertEquals(List.of(1), kernel.deliveredByRelease(), "released by its write");
    }

    @Test
    void onADirectFileASyncLinksBehindAtMostOnePositionedWrite() {
        kernel.accept(0, WRITE, FD, true);
        kernel.accept(1, WRITE, FD, true);
        kernel.accept(2, SYNC, FD, true);
        kernel.endCall();
        assertEquals(List.of(0, 1), issuedSlots(), "two DIRECT writes side by side, the sync held");
        assertEquals(0, ordering.linkedSyncsIssued());
        kernel.run(0, BYTES);
        kernel.run(1, BYTES);
        assertEquals(List.of(0, 1, 2), issuedSlots());
    }

    @Test
    void eintrSendsAnUnlinkedRequestBackToTheKernel() {
        kernel.accept(0, READ, FD, false);
        kernel.endCall();
        kernel.run(0, -4);
        assertEquals(List.of(0, 0), issuedSlots());
        kernel.run(0, BYTES);
        assertEquals(List.of(BYTES), kernel.deliveredResults);
    }

    /**
     * Random calls of writes, appends, syncs and reads on two files, run in random order with
     * random failures, in-kernel cancels and held cancels: appends run in submission order per
     * file, a sync runs only after every earlier write on its file has its final run and is
     * delivered after them, every request is delivered once, and ECANCELED only when asked for.
     */
    @Test
    void randomCallsKeepAppendOrderAndTheSyncBarrier() {
        long seed = Long.getLong("keel.test.seed", System.nanoTime());
        System.out.println("uringOrderingModel seed=" + seed + " (replay with -Dkeel.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Map<Integer, Integer> fdOf = new HashMap<>();
        Set<Integer> userCanceled = new HashSet<>();
        int next = 0;
        for (int round = 0; round < 400 && next < 4000; round++) {
            int count = 1 + rnd.nextInt(6);
            for (int i = 0; i < count; i++) {
                int fd = rnd.nextBoolean() ? FD : OTHER_FD;
                AioOpcode op = switch (rnd.nextInt(8)) {
                    case 0, 1 -> WRITE;
                    case 2, 3, 4 -> APPEND;
                    case 5, 6 -> SYNC;
                    default -> READ;
                };
                fdOf.put(next, fd);
                kernel.accept(next++, op, fd, rnd.nextInt(4) == 0);
            }
            kernel.endCall();
            int steps = rnd.nextInt(6);
            for (int k = 0; k < steps && !kernel.idle(); k++) {
                List<Integer> heads = kernel.runnable();
                int slot = heads.get(rnd.nextInt(heads.size()));
                int dice = rnd.nextInt(20);
                if (dice == 0) {
                    kernel.run(slot, EIO);
                } else if (dice == 1 && ordering.phase(slot) == IoUringOrdering.PHASE_ISSUED) {
                    userCanceled.add(slot);
                    kernel.cancelInKernel(slot);
                } else {
                    kernel.run(slot, kernel.opcode(slot) == SYNC ? 0 : BYTES);
                }
            }
            if (rnd.nextInt(5) == 0) {
                int slot = rnd.nextInt(next);
                if (ordering.phase(slot) == IoUringOrdering.PHASE_HELD && kernel.resultOf(slot) == null) {
                    userCanceled.add(slot);
                    kernel.cancelHeld(slot);
                }
            }
        }
        kernel.drain(rnd, BYTES);
        checkRun(next, fdOf, userCanceled, seed);
    }

    private void checkRun(int requests, Map<Integer, Integer> fdOf, Set<Integer> userCanceled, long seed) {
        String replay = " (seed " + seed + ")";
        assertEquals(requests, kernel.delivered.size(), "every request delivered" + replay);
        assertEquals(requests, new HashSet<>(kernel.delivered).size(), "each exactly once" + replay);
        Map<Integer, Integer> ranAt = new HashMap<>();
        for (int i = 0; i < kernel.timeline.size(); i++) {
            ranAt.put(kernel.timeline.get(i), i);   // the last run is the one whose result counts
        }
        Map<Integer, Integer> deliveredAt = new HashMap<>();
        for (int i = 0; i < kernel.delivered.size(); i++) {
            deliveredAt.put(kernel.delivered.get(i), i);
        }
        Map<Integer, Integer> lastAppendRun = new HashMap<>();
        for (int slot = 0; slot < requests; slot++) {
            int result = kernel.resultOf(slot);
            assertEquals(userCanceled.contains(slot), result == ECANCELED,
                "slot " + slot + " result " + result + ": ECANCELED exactly when the user canceled" + replay);
            AioOpcode op = kernel.opcode(slot);
            Integer ran = ranAt.get(slot);
            if (op == APPEND && ran != null) {
                Integer previous = lastAppendRun.put(fdOf.get(slot), ran);
                assertTrue(previous == null || previous < ran, "append " + slot + " ran out of order" + replay);
            }
            if (op != SYNC || ran == null) {
                continue;
            }
            for (int w = 0; w < slot; w++) {
                AioOpcode wop = kernel.opcode(w);
                if ((wop == WRITE || wop == APPEND) && fdOf.get(w).equals(fdOf.get(slot)) && !userCanceled.contains(w)) {
                    assertTrue(ranAt.get(w) < ran, "sync " + slot + " ran before earlier write " + w + replay);
                    assertTrue(deliveredAt.get(w) < deliveredAt.get(slot),
                        "sync " + slot + " delivered before earlier write " + w + replay);
                }
            }
        }
        assertEquals(0, ordering.heldRequests(), "nothing left held" + replay);
        assertEquals(0, ordering.orderedFiles(), "every file order back in the pool" + replay);
    }
}
