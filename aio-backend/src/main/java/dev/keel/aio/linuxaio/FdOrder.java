package dev.keel.aio.linuxaio;

import dev.keel.aio.internal.SlotDeque;

/**
 * The ordering state of one file descriptor: what native AIO does not keep by itself. Exists
 * while the descriptor has writes not yet complete or syncs held back; pooled, so steady
 * state allocates nothing. Guarded by the context's issue lock (through {@link LinuxAioOrdering}).
 *
 * <ul>
 *   <li>{@code writesPending}: WRITEs and APPENDs accepted and not yet complete (in the kernel,
 *       held back, or completed in the ring but not reaped), the count a new SYNC must see
 *       drop to zero before it may reach the kernel.</li>
 *   <li>{@code appendInKernel}: the one APPEND the kernel has; later ones wait in
 *       {@code heldAppends}, in submission order.</li>
 *   <li>{@code heldSyncs}: SYNCs waiting for earlier writes, in submission order; each slot
 *       counts its own earlier writes still pending ({@link dev.keel.aio.internal.SyncBarrier}).</li>
 *   <li>{@code nextSeq}: the submission order of writes and syncs on this descriptor, so a
 *       completing write knows which held syncs it was ahead of.</li>
 * </ul>
 */
final class FdOrder {
    int fd = -1;
    int writesPending;
    boolean appendInKernel;
    long nextSeq;
    final LinkedSlotQueue heldAppends;
    final SlotDeque heldSyncs = new SlotDeque(4);

    FdOrder(int[] nextSlot) {
        this.heldAppends = new LinkedSlotQueue(nextSlot);
    }

    boolean isIdle() {
        return writesPending == 0 && heldSyncs.isEmpty();
    }

    FdOrder reset() {
        assert isIdle() && heldAppends.isEmpty() && !appendInKernel : "resetting a busy descriptor " + fd;
        fd = -1;
        nextSeq = 0;
        heldAppends.clear();
        heldSyncs.clear();
        return this;
    }
}
