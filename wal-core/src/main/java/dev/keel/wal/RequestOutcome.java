package dev.keel.wal;

import dev.keel.aio.AioException;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.SyncMode;

/** Whether a completed request of the log did what it was asked, and if not, the error that fails the log. */
final class RequestOutcome {
    private RequestOutcome() {
    }

    static boolean succeeded(AioRequest r) {
        int res = r.result();
        return r.opcode() == AioOpcode.SYNC ? res == 0 : res == r.length();
    }

    static AioException describe(AioRequest r) {
        int res = r.result();
        String op = r.opcode() == AioOpcode.SYNC ? (r.syncMode() == SyncMode.DATA ? "fdatasync" : "fsync") : "pwrite";
        if (res >= 0) {
            return new AioException(op, r.file().path(), Errno.EIO.value(),
                "short write: " + res + " of " + r.length() + " bytes at offset " + r.offset());
        }
        Errno e = Errno.of(-res);
        if (e.isOutOfSpace()) {
            // Segments are preallocated, so this is a copy-on-write or thin-provisioned device: say where, and how much.
            String needed = r.opcode() == AioOpcode.SYNC ? "a sync" : r.length() + " bytes at offset " + r.offset();
            return new AioException(op, r.file().path(), -res, "no space left in " + r.file().path().getParent()
                + " for " + needed + " of a preallocated segment; free space on that device, then reopen the log");
        }
        return new AioException(op, r.file().path(), -res,
            r.opcode() == AioOpcode.SYNC ? "not retried: the kernel may have dropped the data"
            : r.length() + " bytes at offset " + r.offset() + " from address 0x" + Long.toHexString(r.address()));
    }
}
