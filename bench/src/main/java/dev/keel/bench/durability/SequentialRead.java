package dev.keel.bench.durability;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The disk's sequential read rate over given files, through the AIO layer: chunk-sized reads,
 * a fixed number in flight, each refilled as soon as it completes. Nothing is looked at: this is
 * the rate a scan could reach if validating cost nothing. Recovery's scan reads the same way
 * (1 MiB chunks, 8 in flight), so the two rates compare like for like.
 */
final class SequentialRead {
    static final int CHUNK_BYTES = 1 << 20;
    static final int IN_FLIGHT = 8;

    private final AioContext ctx;
    private final AioRequest[] requests = new AioRequest[IN_FLIGHT];
    private final AioRequest[] completed = new AioRequest[IN_FLIGHT];
    private final AioRequest[] one = new AioRequest[1];
    private final long[] addresses = new long[IN_FLIGHT];

    SequentialRead(AioContext ctx) {
        this.ctx = ctx;
        ByteBuffer buffers = BufferUtil.allocateDirectAligned(CHUNK_BYTES * IN_FLIGHT, 4096);
        for (int i = 0; i < IN_FLIGHT; i++) {
            requests[i] = new AioRequest();
            addresses[i] = AddressOf.buffer(buffers) + (long) i * CHUNK_BYTES;
        }
    }

    /** Reads every file whole; returns the bytes read. */
    long readAll(List<Path> files) throws IOException {
        long total = 0;
        for (Path p : files) {
            try (NativeFile f = NativeFile.open(p, OpenFlag.READ)) {
                total += readFile(f);
            }
        }
        return total;
    }

    private long readFile(NativeFile f) throws AioException {
        long size = f.size();
        long next = 0;
        int inFlight = 0;
        for (int i = 0; i < IN_FLIGHT && next < size; i++, next += CHUNK_BYTES) {
            requests[i].prepareRead(f, next, addresses[i], (int) Math.min(CHUNK_BYTES, size - next));
            inFlight++;
        }
        submitAll(requests, inFlight);
        long bytes = 0;
        while (inFlight > 0) {
            int n = ctx.await(completed, 1, IN_FLIGHT, AioContext.INFINITE);
            for (int i = 0; i < n; i++) {
                AioRequest r = completed[i];
                if (r.result() < 0) {
                    throw new AioException("pread", f.path(), -r.result());
                }
                bytes += r.result();
                inFlight--;
                if (next < size) {
                    r.prepareRead(f, next, r.address(), (int) Math.min(CHUNK_BYTES, size - next));
                    next += CHUNK_BYTES;
                    one[0] = r;
                    submitAll(one, 1);
                    inFlight++;
                }
            }
        }
        return bytes;
    }

    private void submitAll(AioRequest[] batch, int count) throws AioException {
        int done = 0;
        while (done < count) {
            done += ctx.submit(batch, done, count - done);
        }
    }
}
