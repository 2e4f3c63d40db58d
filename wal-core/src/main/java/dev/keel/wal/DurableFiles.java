package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import dev.keel.aio.SyncMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Small files the log replaces whole ({@code keel.head}, {@code keel.clean}), written through the
 * log's own context and storage, so that a disk model under the log sees every step:
 *
 * <pre>
 *   tmp: create, truncate to 0, write, fsync  --rename-->  target, directory fsync
 * </pre>
 *
 * A crash leaves the old target or the new one, never a torn one (the new name never points at
 * unsynced bytes), and perhaps the tmp file, which whoever reads the target deletes.
 */
final class DurableFiles {
    private DurableFiles() {
    }

    /** Makes {@code bytes} the content of {@code target}, durably and atomically, by way of {@code tmp} beside it. */
    static void replace(AioContext ctx, Path tmp, Path target, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        Storage storage = ctx.storage();
        try (NativeFile f = storage.open(tmp, OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE)) {
            storage.truncate(f, 0);
            AioRequest[] writeAndSync = {new AioRequest().prepareWrite(f, 0, buffer, bytes.length),
                new AioRequest().prepareSync(f, SyncMode.FILE)};
            if (ctx.submitAndWait(writeAndSync, 0, 2) != 2 || writeAndSync[0].result() != bytes.length) {
                throw new WalFailedException("writing " + tmp + " (to replace " + target.getFileName() + ") failed: "
                    + writeAndSync[0].errno() + ", " + writeAndSync[1].errno(), null);
            }
        }
        storage.rename(tmp, target);
        storage.syncDirectory(target.getParent());
    }
}
