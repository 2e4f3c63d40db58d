package dev.keel.aio.uring;

import dev.keel.aio.AioOpcode;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A kernel for {@link IoUringOrdering} alone, with io_uring's rules and none of its timing: SQEs
 * tied by IO_LINK run one after another in chain order, a chain member that fails (or that the
 * user canceled) ends the chain with ECANCELED for every member after it, and unlinked SQEs and
 * chain heads run in whatever order the test (or its seed) picks. Every request the ordering
 * issues is recorded; every result that reaches the ordering is fed back through
 * {@link IoUringOrdering#finish}, and what the ordering then calls final, or releases, is
 * recorded as delivered, in order.
 *
 * <p>The timeline holds the runs the kernel really made (a result other than ECANCELED): that
 * is where ordering mistakes would be seen on a disk.
 */
final class ScriptedRingKernel implements IoUringOrdering.Kernel {
    static final int ECANCELED = -125;

    /** One SQE: its slot, and whether the next SQE issued is linked to it. */
    record Sqe(int slot, boolean linkNext) {
    }

    /** A chain of SQEs in the kernel (one SQE when unlinked); its head may run. */
    private static final class Chain {
        final List<Integer> slots = new ArrayList<>();
        boolean open = true;
    }

    private IoUringOrdering ordering;
    private final AioOpcode[] opcodes;
    final List<Sqe> issued = new ArrayList<>();
    private final List<Chain> chains = new ArrayList<>();
    private Chain building;
    /** Slots in the order the kernel ran them (success or failure, never a cancel). */
    final List<Integer> timeline = new ArrayList<>();
    /** Slots in the order their final result was delivered, and those results. */
    final List<Integer> delivered = new ArrayList<>();
    final List<Integer> deliveredResults = new ArrayList<>();

    ScriptedRingKernel(int slots) {
        this.opcodes = new AioOpcode[slots];
    }

    void attach(IoUringOrdering core) {
        this.ordering = core;
    }

    /** Accepts one request, as the context would in a submit call (call {@link #endCall} after the call's last). */
    void accept(int slot, AioOpcode opcode, int fd, boolean direct) {
        opcodes[slot] = opcode;
        ordering.accept(slot, opcode, fd, direct);
    }

    void endCall() {
        ordering.endCall();
    }

    @Override
    public void issue(int slot, boolean linkNext) {
        issued.add(new Sqe(slot, linkNext));
        if (building == null) {
            building = new Chain();
            chains.add(building);
        }
        building.slots.add(slot);
        if (!linkNext) {
            building.open = false;
            building = null;
        }
    }

    /** Parked syncs released while a write was being finished: delivered after it, as the context does. */
    private final List<int[]> released = new ArrayList<>();
    private final List<Integer> releasedLog = new ArrayList<>();

    @Override
    public void releaseParked(int slot, int result) {
        released.add(new int[] {slot, result});
        releasedLog.add(slot);
    }

    private void deliverReleased() {
        for (int[] r : released) {
            delivered.add(r[0]);
            deliveredResults.add(r[1]);
        }
        released.clear();
    }

    /** Slots whose SQE is the head of a chain (or unlinked): the ones the kernel may run next. */
    List<Integer> runnable() {
        List<Integer> heads = new ArrayList<>();
        for (Chain c : chains) {
            if (!c.slots.isEmpty()) {
                heads.add(c.slots.get(0));
            }
        }
        return heads;
    }

    boolean idle() {
        return runnable().isEmpty();
    }

    /**
     * The kernel runs the SQE of {@code slot} (a chain head) with {@code result}; a negative
     * result ends its chain, each later member completing with ECANCELED, in chain order.
     */
    void run(int slot, int result) {
        Chain c = chainOf(slot);
        if (c.open) {
            throw new AssertionError("running slot " + slot + " of a chain still being written");
        }
        if (c.slots.get(0) != slot) {
            throw new AssertionError("slot " + slot + " is not its chain's head: " + c.slots);
        }
        c.slots.remove(0);
        if (result != ECANCELED) {
            timeline.add(slot);
        }
        List<Integer> rest = new ArrayList<>();
        if (result < 0 && !c.slots.isEmpty()) {
            rest.addAll(c.slots);
            c.slots.clear();
        }
        if (c.slots.isEmpty()) {
            chains.remove(c);
        }
        complete(slot, result);
        for (int s : rest) {
            complete(s, ECANCELED);
        }
    }

    /** The user canceled the not yet started SQE of {@code slot} (a chain head or unlinked) and the kernel agreed. */
    void cancelInKernel(int slot) {
        ordering.setUserCanceled(slot, true);
        run(slot, ECANCELED);
    }

    /** The user canceled a request the ordering holds: it is completed with ECANCELED at once. */
    void cancelHeld(int slot) {
        ordering.cancelHeld(slot);
        delivered.add(slot);
        deliveredResults.add(ECANCELED);
        deliverReleased();
    }

    /** Runs heads picked by {@code rnd} with success until nothing is in the kernel. */
    void drain(Random rnd, int bytes) {
        while (!idle()) {
            List<Integer> heads = runnable();
            run(heads.get(rnd.nextInt(heads.size())), bytes);
        }
    }

    private void complete(int slot, int result) {
        if (ordering.finish(slot, result)) {
            delivered.add(slot);
            deliveredResults.add(result);
        }
        deliverReleased();
    }

    private Chain chainOf(int slot) {
        for (Chain c : chains) {
            if (c.slots.contains(slot)) {
                return c;
            }
        }
        throw new AssertionError("slot " + slot + " is not in the kernel; issued " + issued);
    }

    /** The result delivered for {@code slot} (its last delivery), or null. */
    Integer resultOf(int slot) {
        Integer result = null;
        for (int i = 0; i < delivered.size(); i++) {
            if (delivered.get(i) == slot) {
                result = deliveredResults.get(i);
            }
        }
        return result;
    }

    /** Slots delivered through {@link #releaseParked}, in order. */
    List<Integer> deliveredByRelease() {
        return releasedLog;
    }

    AioOpcode opcode(int slot) {
        return opcodes[slot];
    }
}
