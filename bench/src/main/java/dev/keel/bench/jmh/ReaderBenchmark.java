package dev.keel.bench.jmh;

import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reader throughput: {@code WalReader.next()} over a log of {@code logMib} MiB of durable
 * records (page cache warm after the first pass), each record's payload touched through the
 * zero-copy {@code payloadBytes()} view. The score is records per second; times
 * {@code recordBytes} it is the reader's bytes per second. At the end of the log the reader
 * starts again from LSN 1.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@State(Scope.Thread)
public class ReaderBenchmark {
    @Param({"128", "4096"})
    public int recordBytes;

    @Param({"256"})
    public int logMib;

    private Path dir;
    private Wal wal;
    private WalReader reader;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = BenchDir.create();
        wal = Wal.open(dir, WalOptions.defaults().durability(Durability.NONE));
        ByteBuffer record = ByteBuffer.allocateDirect(recordBytes);
        long records = ((long) logMib << 20) / recordBytes;
        CompletableFuture<Long> last = null;
        for (long i = 0; i < records; i++) {
            last = wal.appendAsync(record);
        }
        last.join();
        wal.sync();
        reader = wal.reader(1);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        reader.close();
        wal.close();
        BenchDir.delete(dir);
    }

    @Benchmark
    public long next() throws IOException {
        if (!reader.next()) {
            reader.close();
            reader = wal.reader(1);
            reader.next();
        }
        return reader.lsn() + reader.payloadBytes().readLong(0);
    }
}
