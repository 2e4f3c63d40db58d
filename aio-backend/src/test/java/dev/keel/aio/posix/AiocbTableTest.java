package dev.keel.aio.posix;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static dev.keel.aio.posix.AiocbDescriptor.AIOCB_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.BUF_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.ERROR_CODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.FILDES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_OPCODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_WRITE;
import static dev.keel.aio.posix.AiocbDescriptor.NBYTES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.OFFSET_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.REQPRIO_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NONE;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NOTIFY_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aiocb table without glibc: what {@code prepare} writes, byte for byte at the descriptor's
 * offsets, and the per-slot state the exact accounting of a failed lio_listio relies on.
 */
class AiocbTableTest {
    private final AiocbTable table = new AiocbTable(4);

    private UnsafeBuffer aiocb(int slot) {
        return new UnsafeBuffer(table.address(slot), AIOCB_BYTES);
    }

    @Test
    void prepareFillsThePublicFieldsAndMarksTheBlockNotQueued() {
        table.prepare(2, 9, LIO_WRITE, 0x1000L, 4096, 8192);
        UnsafeBuffer b = aiocb(2);
        assertEquals(9, b.getInt(FILDES_OFFSET));
        assertEquals(LIO_WRITE, b.getInt(LIO_OPCODE_OFFSET));
        assertEquals(0, b.getInt(REQPRIO_OFFSET), "priority 0: glibc sorts a descriptor's queue by it");
        assertEquals(0x1000L, b.getLong(BUF_OFFSET));
        assertEquals(4096, b.getLong(NBYTES_OFFSET));
        assertEquals(8192, b.getLong(OFFSET_OFFSET));
        assertEquals(SIGEV_NONE, b.getInt(SIGEV_NOTIFY_OFFSET));
        assertEquals(AiocbTable.NOT_QUEUED, b.getInt(ERROR_CODE_OFFSET));
        assertEquals(9, table.fd(2));
        assertEquals(AIOCB_BYTES, table.address(3) - table.address(2), "one block per slot, back to back");
        assertEquals(0, aiocb(1).getInt(FILDES_OFFSET), "the neighbours are untouched");
    }

    @Test
    void onlyABlockWhoseMarkerGlibcOverwroteCountsAsQueued() {
        table.prepare(0, 5, LIO_WRITE, 0, 0, 0);
        table.prepare(1, 5, LIO_WRITE, 0, 0, 0);
        aiocb(0).putIntVolatile(ERROR_CODE_OFFSET, AiocbDescriptor.EINPROGRESS); // what glibc does when it queues
        assertTrue(table.queuedByGlibc(0));
        assertFalse(table.queuedByGlibc(1), "still NOT_QUEUED: glibc never took it");
    }

    @Test
    void prepareForgetsTheSlotsPreviousRequest() {
        table.prepare(3, 5, LIO_WRITE, 0, 0, 0);
        table.reject(3, 11);
        table.markCanceled(3);
        assertEquals(11, table.rejectedErrno(3));
        assertTrue(table.isCanceled(3));
        table.prepare(3, 6, LIO_WRITE, 0, 0, 0);
        assertEquals(0, table.rejectedErrno(3));
        assertFalse(table.isCanceled(3));
        assertEquals(6, table.fd(3));
    }
}
