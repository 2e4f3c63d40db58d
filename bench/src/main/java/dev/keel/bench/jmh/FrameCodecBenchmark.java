package dev.keel.bench.jmh;

import dev.keel.recovery.format.FrameCheck;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import org.agrona.BufferUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The CPU cost of the frame format, with no I/O: {@code encode} seals a frame (header fields,
 * padding, CRC32C of header and payload) and publishes its length word, as the appender does
 * for every record; {@code check} validates one, as recovery and readers do. Frames per second
 * times the payload size is the format's ceiling in bytes per second; compare it with
 * {@code keel bench}'s recovery GB/s to see whether a scan is bound by CPU or by the disk.
 * Both are allocation-free: add {@code -prof gc}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Thread)
public class FrameCodecBenchmark {
    private static final int SALT = FrameDescriptor.salt(0x4B45454CL, 1);

    @Param({"128", "4096"})
    public int payloadBytes;

    private FrameCodec codec;
    private int limit;
    private long lsn;

    @Setup(Level.Trial)
    public void frame() {
        limit = FrameDescriptor.frameBytes(payloadBytes);
        ByteBuffer region = BufferUtil.allocateDirectAligned(limit, FrameDescriptor.ALIGNMENT);
        for (int i = 0; i < payloadBytes; i++) {
            region.put(FrameDescriptor.HEADER_BYTES + i, (byte) (i * 31 + 7));
        }
        codec = new FrameCodec(region);
        codec.encode(0, payloadBytes, ++lsn, SALT, FrameDescriptor.TYPE_RECORD, 0);
    }

    @Benchmark
    public int encode() {
        return codec.encode(0, payloadBytes, ++lsn, SALT, FrameDescriptor.TYPE_RECORD, 0);
    }

    @Benchmark
    public FrameCheck check() {
        FrameCheck result = codec.check(0, limit, payloadBytes);
        if (result != FrameCheck.VALID) {
            throw new IllegalStateException("the benchmark's own frame does not check: " + result);
        }
        return result;
    }
}
