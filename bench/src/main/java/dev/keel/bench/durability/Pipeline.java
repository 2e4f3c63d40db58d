package dev.keel.bench.durability;

import dev.keel.wal.Wal;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One thread keeping up to {@code inFlight} {@code Wal.appendAsync} calls outstanding: it
 * appends until the window of futures is full, then takes completions from the oldest end. A
 * record counts when its completion is seen inside the measuring window; its latency runs from
 * the appendAsync call to that moment (completions are looked at oldest first, so a record that
 * finished behind an older one is seen, and timed, when the older one is).
 */
public record Pipeline(long warmupNs, long windowNs) {

    public Measurement run(Wal wal, int inFlight, int recordBytes) throws IOException {
        ByteBuffer record = KeelLog.directPayload(recordBytes);
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] futures = new CompletableFuture[inFlight];
        long[] startNs = new long[inFlight];
        Histogram latencyNs = Measurement.newHistogram();
        long measureFrom = System.nanoTime() + warmupNs;
        long stopAt = measureFrom + windowNs;
        long records = 0;
        long cpuAtStartNs = -1;
        long cpuNs = 0;
        int head = 0;
        int size = 0;
        try {
            long now = System.nanoTime();
            while (now < stopAt || size > 0) {
                if (cpuAtStartNs < 0 && now >= measureFrom) {
                    cpuAtStartNs = ProcessCpu.nanos();
                }
                if (cpuNs == 0 && now >= stopAt && cpuAtStartNs >= 0) {
                    cpuNs = Math.max(1, ProcessCpu.between(cpuAtStartNs, ProcessCpu.nanos()));
                }
                if (size == inFlight || size > 0 && (now >= stopAt || futures[head].isDone())) {
                    futures[head].join();
                    now = System.nanoTime();
                    if (now >= measureFrom && now < stopAt) {
                        latencyNs.recordValue(Math.min(now - startNs[head], Measurement.MAX_LATENCY_NS));
                        records++;
                    }
                    futures[head] = null;
                    head = (head + 1) % inFlight;
                    size--;
                } else {
                    int tail = (head + size) % inFlight;
                    startNs[tail] = now;
                    futures[tail] = wal.appendAsync(record);
                    size++;
                    now = System.nanoTime();
                }
            }
        } catch (CompletionException e) {
            throw new IOException("appendAsync failed: " + e.getCause(), e.getCause());
        }
        return new Measurement(records, recordBytes, windowNs, latencyNs, cpuNs);
    }
}
