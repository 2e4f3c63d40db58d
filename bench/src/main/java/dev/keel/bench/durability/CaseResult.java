package dev.keel.bench.durability;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One row of the report, as {@code --json} writes it. Fields that do not apply to a section are
 * null (never left out), so every case object has the same keys.
 *
 * @param section limits, sync-methods, scaling, pipelined, recovery or direct
 * @param system keel, raw-limit, bound, rocksdb, chronicle-queue, filechannel, artemis-nio, artemis-mapped, artemis-asyncio
 * @param mode a {@code Durability} name for Keel's rows, the I/O method for the limits' rows; null for the others
 * @param backend the AIO backend Keel (or a limit) ran on; null for the others
 * @param threads appending threads
 * @param recordBytes payload bytes per record (the write size for a limit, the read size for the disk's read rate)
 * @param inFlight appendAsync calls kept outstanding (pipelined), writes in flight (limits), reads in flight
 *     (recovery's disk rate); else null
 * @param recordsPerSec records durable (or, for recovery, validated) per second; null for the disk's read rate
 * @param mbPerSec payload (recovery: file) megabytes, 10^6 bytes, per second
 * @param p50Us median latency per record, microseconds; null where records are not timed one by one
 * @param p99Us 99th percentile latency
 * @param p999Us 99.9th percentile latency (with fewer than 1000 samples: the maximum)
 * @param samples latencies behind the percentiles
 * @param cpuUsPerRecord process CPU (all threads, user + system) per durable record, microseconds
 * @param ratioToLimit this row against its section's reference, the median over interleaved rounds: sync-methods
 *     against the raw limit of the same size, scaling against the best peer of the same round; recovery against
 *     the disk's read rate; null for limits and pipelined
 * @param ratioMin the lowest of the rounds' ratios (null with fewer than two rounds)
 * @param ratioMax the highest of the rounds' ratios
 * @param rounds interleaved rounds behind the row (1 where the row was measured in one go)
 * @param limit the device limit (limits section) this row is held against, or the closed-loop bound; null for peers
 * @param ratioToDeviceLimit records/s (or MB/s) over that limit's
 * @param guarantee what a returned append (a completed write) guarantees
 * @param note how the system was made durable, or the page cache state for recovery
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"section", "system", "mode", "backend", "threads", "recordBytes", "inFlight", "recordsPerSec", "mbPerSec",
    "p50Us", "p99Us", "p999Us", "samples", "cpuUsPerRecord", "ratioToLimit", "ratioMin", "ratioMax", "rounds", "limit",
    "ratioToDeviceLimit", "guarantee", "note"})
public record CaseResult(String section, String system, String mode, String backend, int threads, Integer recordBytes,
                         Integer inFlight, Double recordsPerSec, Double mbPerSec, Double p50Us, Double p99Us, Double p999Us,
                         Long samples, Double cpuUsPerRecord, Double ratioToLimit, Double ratioMin, Double ratioMax, int rounds,
                         String limit, Double ratioToDeviceLimit, String guarantee, String note) {
    public static final String LIMITS = "limits";
    public static final String SYNC_METHODS = "sync-methods";
    public static final String SCALING = "scaling";
    public static final String PIPELINED = "pipelined";
    public static final String RECOVERY = "recovery";
    public static final String DIRECT = "direct";

    /** A timed row built from a measurement; the ratios are set later, once their references are known. */
    static CaseResult timed(String section, String system, String mode, String backend, int threads, int recordBytes,
                            Integer inFlight, Measurement m, int rounds, String guarantee, String note) {
        return new CaseResult(section, system, mode, backend, threads, recordBytes, inFlight, m.recordsPerSec(), m.mbPerSec(),
            m.latencyUs(50), m.latencyUs(99), m.latencyUs(99.9), m.samples(), m.cpuUsPerRecord(), null, null, null, rounds,
            null, null, guarantee, note);
    }

    /** A row with no per-record timing (recovery's scan and read rate). */
    static CaseResult rate(String section, String system, String backend, int recordBytes, Integer inFlight,
                           Double recordsPerSec, double mbPerSec, Double ratio, String note) {
        return new CaseResult(section, system, null, backend, 1, recordBytes, inFlight, recordsPerSec, mbPerSec, null, null,
            null, null, null, ratio, null, null, 1, null, null, null, note);
    }

    CaseResult withRatio(Double ratio) {
        return withRatio(ratio, null, null);
    }

    /** The median ratio over the rounds and its spread (null min and max for a single round). */
    CaseResult withRatio(Double ratio, Double min, Double max) {
        return new CaseResult(section, system, mode, backend, threads, recordBytes, inFlight, recordsPerSec, mbPerSec, p50Us,
            p99Us, p999Us, samples, cpuUsPerRecord, ratio, min, max, rounds, limit, ratioToDeviceLimit, guarantee, note);
    }

    /** The device limit (or bound) this row is held against and its ratio to it. */
    CaseResult withDeviceLimit(String limitName, Double ratio) {
        return new CaseResult(section, system, mode, backend, threads, recordBytes, inFlight, recordsPerSec, mbPerSec, p50Us,
            p99Us, p999Us, samples, cpuUsPerRecord, ratioToLimit, ratioMin, ratioMax, rounds, limitName, ratio, guarantee, note);
    }

    /** {@code value / reference}, or null when there is no reference to divide by (it measured nothing). */
    static Double ratio(double value, double reference) {
        return reference > 0 ? value / reference : null;
    }

    /** Microseconds per record per thread: each thread's time between acknowledgements. */
    @JsonIgnore
    public double usPerOp() {
        return recordsPerSec == null || recordsPerSec == 0 ? 0 : threads * 1e6 / recordsPerSec;
    }
}
