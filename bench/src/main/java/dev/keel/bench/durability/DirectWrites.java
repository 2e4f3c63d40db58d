package dev.keel.bench.durability;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import org.HdrHistogram.Histogram;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The device's durable write rate at a queue depth, through the AIO layer and no log: a file
 * opened O_DIRECT + O_DSYNC (each completed write is on disk, no fsync), {@code depth} writes of
 * {@code writeBytes} kept in flight by one thread, sequential offsets wrapping around in a file
 * laid out first (written with zeros and fsynced, as fio lays out its file), so no write
 * allocates blocks. Each write's latency runs from its submission to its completion being seen.
 * fio's {@code ioengine=io_uring direct=1 sync=dsync rw=write iodepth=D} measures the same.
 */
final class DirectWrites {
    /** fio's {@code size=} in the README's jobs: large enough that the writes do not sit in one small region. */
    static final long FILE_BYTES = 256L << 20;
    private static final int LAYOUT_CHUNK_BYTES = 1 << 20;
    private static final int MIN_ALIGNMENT_BYTES = 4096;

    private final AioContext ctx;
    private final Path file;

    private DirectWrites(AioContext ctx, Path file) {
        this.ctx = ctx;
        this.file = file;
    }

    /** Lays out {@code file} (zeros, fsynced) for the loops on {@code ctx}. */
    static DirectWrites layOut(AioContext ctx, Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] zeros = new byte[LAYOUT_CHUNK_BYTES];
            for (long at = 0; at < FILE_BYTES; at += zeros.length) {
                f.write(zeros);
            }
            f.getFD().sync();
        }
        return new DirectWrites(ctx, file);
    }

    /** Keeps {@code depth} writes in flight through a warm-up and a window; the measurement counts writes completed in the window. */
    Measurement run(int writeBytes, int depth, long warmupNs, long windowNs) throws IOException {
        if (writeBytes % MIN_ALIGNMENT_BYTES != 0 || FILE_BYTES % writeBytes != 0 || depth < 1) {
            throw new IllegalArgumentException("direct writes of " + writeBytes + " bytes at depth " + depth
                + ": the size must be a multiple of " + MIN_ALIGNMENT_BYTES + " dividing " + FILE_BYTES + ", depth >= 1");
        }
        try (NativeFile f = NativeFile.open(file, OpenFlag.WRITE, OpenFlag.DIRECT, OpenFlag.DSYNC)) {
            int alignment = Math.max(MIN_ALIGNMENT_BYTES, f.blockSize());
            ByteBuffer buffers = BufferUtil.allocateDirectAligned(writeBytes * depth, alignment);
            byte[] payload = DurableLog.payload(writeBytes);
            for (int i = 0; i < depth; i++) {
                buffers.put(payload);
            }
            return new Loop(f, AddressOf.buffer(buffers), writeBytes, depth).run(warmupNs, windowNs);
        }
    }

    /** One run's state: the requests, when each was submitted, where the next write goes. */
    private final class Loop {
        private final NativeFile f;
        private final int writeBytes;
        private final AioRequest[] requests;
        private final AioRequest[] completed;
        private final long[] submittedNs;
        private final AioRequest[] refill;
        private long nextOffset;

        Loop(NativeFile f, long address, int writeBytes, int depth) {
            this.f = f;
            this.writeBytes = writeBytes;
            requests = new AioRequest[depth];
            completed = new AioRequest[depth];
            submittedNs = new long[depth];
            refill = new AioRequest[depth];
            for (int i = 0; i < depth; i++) {
                requests[i] = new AioRequest().tag(i);
                requests[i].prepareWrite(f, 0, address + (long) i * writeBytes, writeBytes);
            }
        }

        Measurement run(long warmupNs, long windowNs) throws IOException {
            Histogram latencyNs = Measurement.newHistogram();
            long measureFrom = System.nanoTime() + warmupNs;
            long stopAt = measureFrom + windowNs;
            for (AioRequest r : requests) {
                prepare(r);
            }
            submit(requests, requests.length);
            int inFlight = requests.length;
            long records = 0;
            long cpuStartNs = -1;
            long cpuNs = 0;
            while (inFlight > 0) {
                int n = ctx.await(completed, 1, completed.length, AioContext.INFINITE);
                long now = System.nanoTime();
                if (cpuStartNs < 0 && now >= measureFrom) {
                    cpuStartNs = ProcessCpu.nanos();
                }
                if (cpuNs == 0 && cpuStartNs >= 0 && now >= stopAt) {
                    cpuNs = Math.max(1, ProcessCpu.between(cpuStartNs, ProcessCpu.nanos()));
                }
                int refills = 0;
                for (int i = 0; i < n; i++) {
                    AioRequest r = completed[i];
                    if (r.result() != writeBytes) {
                        throw new AioException("O_DIRECT write of " + writeBytes + " bytes at " + r.offset(), file,
                            r.result() < 0 ? -r.result() : 5 /* EIO for a short write */);
                    }
                    inFlight--;
                    if (now >= measureFrom && now < stopAt) {
                        latencyNs.recordValue(Math.min(now - submittedNs[(int) r.tag()], Measurement.MAX_LATENCY_NS));
                        records++;
                    }
                    if (now < stopAt) {
                        prepare(r);
                        refill[refills++] = r;
                    }
                }
                submit(refill, refills);
                inFlight += refills;
            }
            return new Measurement(records, writeBytes, windowNs, latencyNs, cpuNs);
        }

        private void prepare(AioRequest r) {
            r.prepareWrite(f, nextOffset, r.address(), writeBytes);
            nextOffset = (nextOffset + writeBytes) % FILE_BYTES;
        }

        private void submit(AioRequest[] batch, int count) throws AioException {
            long now = System.nanoTime();
            for (int i = 0; i < count; i++) {
                submittedNs[(int) batch[i].tag()] = now;
            }
            int done = 0;
            while (done < count) {
                done += ctx.submit(batch, done, count - done);
            }
        }
    }
}
