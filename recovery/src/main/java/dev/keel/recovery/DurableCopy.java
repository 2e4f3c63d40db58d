package dev.keel.recovery;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a new file from a byte range of another, zero-filled to a size, and syncs it (FILE),
 * through a context and its {@link Storage} so that a disk model sees every byte: recovery's
 * copy of a cut tail into quarantine, and the rewritten segment a truncateAfter renames into
 * place. The caller renames and syncs the directory: until then the new file is only a name
 * that a crash may take back.
 */
public final class DurableCopy {
    private static final int CHUNK_BYTES = 1 << 20;

    private DurableCopy() {
    }

    /**
     * Creates (or empties) {@code target} holding {@code [fromBytes, toBytes)} of {@code source}
     * at offset 0, then zeros up to {@code targetBytes}, then syncs it.
     */
    public static void copy(AioContext ctx, Path source, long fromBytes, long toBytes, Path target, long targetBytes)
        throws IOException {
        if (fromBytes < 0 || toBytes < fromBytes || targetBytes < toBytes - fromBytes) {
            throw new IllegalArgumentException("copy [" + fromBytes + ", " + toBytes + ") of " + source + " into "
                + targetBytes + " bytes of " + target + ": the range must be ordered and fit");
        }
        ByteBuffer chunk = BufferUtil.allocateDirectAligned(CHUNK_BYTES, 4096);
        AioRequest[] one = {new AioRequest()};
        Storage storage = ctx.storage();
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             NativeFile out = storage.open(target, OpenFlag.WRITE, OpenFlag.CREATE)) {
            storage.truncate(out, 0);
            for (long at = 0; at < targetBytes; at += CHUNK_BYTES) {
                int len = (int) Math.min(CHUNK_BYTES, targetBytes - at);
                chunk.clear();
                long sourceEnd = Math.max(0, Math.min(len, toBytes - fromBytes - at));
                chunk.limit((int) sourceEnd);
                while (chunk.hasRemaining() && in.read(chunk, fromBytes + at + chunk.position()) >= 0) {
                    assert chunk.position() <= sourceEnd;
                }
                chunk.limit(len);
                for (int i = chunk.position(); i < len; i++) {
                    chunk.put(i, (byte) 0);
                }
                one[0].prepareWrite(out, at, AddressOf.buffer(chunk), len);
                check(ctx.submitAndWait(one, 0, 1) == 1 && one[0].result() == len, one[0], "pwrite", target);
            }
            one[0].prepareSync(out, SyncMode.FILE);
            check(ctx.submitAndWait(one, 0, 1) == 1, one[0], "fsync", target);
        }
    }

    private static void check(boolean ok, AioRequest r, String op, Path path) throws AioException {
        if (!ok) {
            throw new AioException(op, path, r.result() < 0 ? -r.result() : dev.keel.aio.Errno.EIO.value(),
                r.result() >= 0 ? "short transfer of " + r.result() + " of " + r.length() + " bytes" : null);
        }
    }
}
