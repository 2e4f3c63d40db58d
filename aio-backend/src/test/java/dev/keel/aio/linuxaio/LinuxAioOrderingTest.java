package dev.keel.aio.linuxaio;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.SyncMode;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The linux-aio ordering core without a kernel: which slots it lets go to io_submit and when,
 * including the cases a real kernel cannot be made to show on demand (a canceled held append
 * with a sync behind it, a batch given back after EAGAIN), then randomized runs checked against
 * the contract's clauses 4 and 5.
 */
class LinuxAioOrderingTest {
    private static final int FD = 7;
    private static final int OTHER_FD = 8;

    private final List<Integer> issued = new ArrayList<>();
    private final LinuxAioOrdering ordering = new LinuxAioOrdering(64, issued::add);

    private void accept(int slot, AioOpcode opcode, int fd) {
        ordering.accept(slot, opcode, opcode == SYNC ? SyncMode.DATA : null, fd);
    }

    @Test
    void readsWritesAndASyncWithNothingPendingGoAtOnce() {
        accept(0, READ, FD);
        accept(1, SYNC, OTHER_FD);
        accept(2, WRITE, FD);
        accept(3, WRITE, FD);
        assertEquals(List.of(0, 1, 2, 3), issued);
        assertEquals(LinuxAioOrdering.KIND_DATA_SYNC, ordering.kind(1));
        assertEquals(OTHER_FD, ordering.fd(1));
        ordering.leftKernel(0);
        ordering.leftKernel(1);
        ordering.leftKernel(3);
        ordering.leftKernel(2);
        assertEquals(0, ordering.orderedDescriptors(), "ordering state back in the pool");
    }

    @Test
    void oneAppendPerDescriptorInTheKernelTheRestInSubmissionOrder() {
        accept(0, APPEND, FD);
        accept(1, APPEND, FD);
        accept(2, APPEND, FD);
        accept(3, APPEND, OTHER_FD);
        assertEquals(List.of(0, 3), issued);
        assertTrue(ordering.isHeld(1) && ordering.isHeld(2));
        ordering.leftKernel(0);
        assertEquals(List.of(0, 3, 1), issued);
        assertFalse(ordering.isHeld(1));
        ordering.leftKernel(1);
        ordering.leftKernel(2);
        ordering.leftKernel(3);
        assertEquals(List.of(0, 3, 1, 2), issued);
        assertEquals(0, ordering.orderedDescriptors());
    }

    @Test
    void aSyncWaitsForEveryEarlierWriteButNotForLaterOnes() {
        accept(0, WRITE, FD);
        accept(1, WRITE, FD);
        accept(2, SYNC, FD);
        accept(3, WRITE, FD);
        assertEquals(List.of(0, 1, 3), issued, "the sync is held, the later write is not");
        ordering.leftKernel(3);
        ordering.leftKernel(1);
        assertTrue(ordering.isHeld(2), "one earlier write is still in the kernel");
        ordering.leftKernel(0);
        assertEquals(List.of(0, 1, 3, 2), issued);
        ordering.leftKernel(2);
        assertEquals(0, ordering.orderedDescriptors());
    }

    @Test
    void aCanceledHeldAppendReleasesTheSyncBehindItAndTheNextAppendStaysHeld() {
        accept(0, APPEND, FD);
        accept(1, APPEND, FD);
        accept(2, SYNC, FD);
        accept(3, APPEND, FD);
        assertEquals(List.of(0), issued);
        ordering.cancelHeld(1);
        assertTrue(ordering.isHeld(2), "the sync still waits for append 0");
        ordering.leftKernel(0);
        assertEquals(List.of(0, 3, 2), issued, "the next append, then the sync, once append 0 is done");
        ordering.leftKernel(2);
        ordering.leftKernel(3);
        assertEquals(0, ordering.orderedDescriptors());
    }

    @Test
    void aCanceledHeldSyncNeverGoes() {
        accept(0, WRITE, FD);
        accept(1, SYNC, FD);
        ordering.cancelHeld(1);
        ordering.leftKernel(0);
        assertEquals(List.of(0), issued);
        assertEquals(0, ordering.orderedDescriptors());
    }

    @Test
    void aBatchGivenBackNewestFirstLeavesNoTrace() {
        accept(0, APPEND, FD);
        accept(1, APPEND, FD);
        accept(2, SYNC, FD);
        accept(3, WRITE, OTHER_FD);
        for (int slot = 3; slot >= 0; slot--) {
            ordering.unaccept(slot);
        }
        assertEquals(0, ordering.orderedDescriptors());
        issued.clear();
        accept(4, SYNC, FD);
        assertEquals(List.of(4), issued, "no write is counted any more");
    }

    /** Randomized: every step checks the clauses; every accepted request goes exactly once or is canceled. */
    @Test
    void randomRunsKeepAppendOrderAndTheSyncBarrier() {
        long seed = Long.getLong("keel.test.seed", System.nanoTime());
        System.out.println("linux-aio ordering seed=" + seed + " (replay with -Dkeel.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        for (int run = 0; run < 200; run++) {
            new RandomRun(rnd, "seed " + seed + " run " + run).go();
        }
    }

    /** One randomized run against its own ordering, with the model of what each fd has seen. */
    private static final class RandomRun {
        private final Random rnd;
        private final String context;
        private final List<Integer> kernel = new ArrayList<>();
        private final LinuxAioOrdering ordering;
        private final Map<Integer, AioOpcode> opBySlot = new HashMap<>();
        private final Map<Integer, Integer> fdBySlot = new HashMap<>();
        /** Per held sync: the writes of its fd accepted before it and not yet finished or canceled. */
        private final Map<Integer, Set<Integer>> earlierWrites = new HashMap<>();
        private final Map<Integer, List<Integer>> appendOrder = new HashMap<>();
        /** Accepted and not yet finished or canceled. */
        private final Set<Integer> open = new HashSet<>();
        private final Set<Integer> inKernel = new HashSet<>();
        private final Set<Integer> held = new HashSet<>();
        private final List<Integer> free = new ArrayList<>();

        RandomRun(Random rnd, String context) {
            this.rnd = rnd;
            this.context = context;
            this.ordering = new LinuxAioOrdering(16, kernel::add);
            for (int s = 0; s < 16; s++) {
                free.add(s);
            }
        }

        void go() {
            for (int step = 0; step < 300; step++) {
                int choice = rnd.nextInt(10);
                if (choice < 5 && !free.isEmpty()) {
                    accept();
                } else if (choice < 9 && !inKernel.isEmpty()) {
                    complete();
                } else if (!held.isEmpty()) {
                    cancel();
                }
                takeIssued();
            }
            while (!inKernel.isEmpty()) {
                complete();
                takeIssued();
            }
            assertTrue(held.isEmpty(), context + ": still held with nothing in the kernel: " + held);
            assertEquals(0, ordering.orderedDescriptors(), context + ": ordering state left behind");
        }

        private void accept() {
            int slot = free.remove(rnd.nextInt(free.size()));
            int fd = rnd.nextInt(2);
            AioOpcode op = new AioOpcode[] {READ, WRITE, APPEND, APPEND, SYNC}[rnd.nextInt(5)];
            opBySlot.put(slot, op);
            fdBySlot.put(slot, fd);
            if (op == SYNC) {
                Set<Integer> before = new HashSet<>();
                for (int other : open) {
                    if (fdBySlot.get(other) == fd && isWrite(opBySlot.get(other))) {
                        before.add(other);
                    }
                }
                earlierWrites.put(slot, before);
            }
            if (op == APPEND) {
                appendOrder.computeIfAbsent(fd, k -> new ArrayList<>()).add(slot);
            }
            open.add(slot);
            held.add(slot);
            ordering.accept(slot, op, op == SYNC ? SyncMode.FILE : null, fd);
        }

        private static boolean isWrite(AioOpcode op) {
            return op == WRITE || op == APPEND;
        }

        /** The request in {@code slot} is finished or canceled: no sync waits for it any more. */
        private void finish(int slot) {
            open.remove(slot);
            free.add(slot);
            for (Set<Integer> writes : earlierWrites.values()) {
                writes.remove(slot);
            }
            earlierWrites.remove(slot);
        }

        /** Checks each newly issued slot against the clauses, then moves it into the kernel. */
        private void takeIssued() {
            for (int slot : kernel) {
                assertTrue(held.remove(slot), context + ": slot " + slot + " issued twice or never accepted");
                assertFalse(ordering.isHeld(slot), context);
                int fd = fdBySlot.get(slot);
                if (opBySlot.get(slot) == SYNC) {
                    assertEquals(Set.of(), earlierWrites.get(slot),
                        context + ": sync " + slot + " issued before these earlier writes finished");
                } else if (opBySlot.get(slot) == APPEND) {
                    List<Integer> order = appendOrder.get(fd);
                    assertEquals(order.get(0), slot, context + ": append out of submission order");
                    order.remove(0);
                    for (int other : inKernel) {
                        assertFalse(opBySlot.get(other) == APPEND && fdBySlot.get(other) == fd,
                            context + ": two appends of one fd in the kernel");
                    }
                }
                inKernel.add(slot);
            }
            kernel.clear();
        }

        private void complete() {
            List<Integer> running = new ArrayList<>(inKernel);
            int slot = running.get(rnd.nextInt(running.size()));
            inKernel.remove(slot);
            finish(slot);
            ordering.leftKernel(slot);
        }

        private void cancel() {
            List<Integer> waiting = new ArrayList<>(held);
            int slot = waiting.get(rnd.nextInt(waiting.size()));
            assertTrue(ordering.isHeld(slot), context + ": slot " + slot + " should be held");
            ordering.cancelHeld(slot);
            held.remove(slot);
            finish(slot);
            if (opBySlot.get(slot) == APPEND) {
                appendOrder.get(fdBySlot.get(slot)).remove(Integer.valueOf(slot));
            }
        }
    }
}
