package dev.keel.bench.durability;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One row of the report, as {@code --json} writes it. Fields that do not apply to a section are
 * null (never left out), so every case object has the same keys.
 *
 * @param section sync-methods, scaling, pipelined or recovery
 * @param system keel, raw-limit, rocksdb, chronicle-queue or filechannel
 * @param mode a {@code Durability} name for Keel's rows; null for the others
 * @param backend the AIO backend Keel ran on; null for the others
 * @param threads appending threads
 * @param recordBytes payload bytes per record (the read size for the disk's read rate)
 * @param inFlight appendAsync calls kept outstanding (pipelined), reads in flight (recovery's disk rate); else null
 * @param recordsPerSec records durable (or, for recovery, validated) per second; null for the disk's read rate
 * @param mbPerSec payload (recovery: file) megabytes, 10^6 bytes, per second
 * @param p50Us median latency per record, microseconds; null where records are not timed one by one
 * @param p99Us 99th percentile latency
 * @param p999Us 99.9th percentile latency
 * @param ratioToLimit this row against its section's reference, measured in the same run: sync-methods and
 *     recovery against the raw limit (records/s, or MB/s for recovery); scaling against the best peer of the
 *     same threads and record size; null for pipelined
 * @param note how the system was made durable, or the page cache state for recovery
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"section", "system", "mode", "backend", "threads", "recordBytes", "inFlight", "recordsPerSec", "mbPerSec",
    "p50Us", "p99Us", "p999Us", "ratioToLimit", "note"})
public record CaseResult(String section, String system, String mode, String backend, int threads, Integer recordBytes,
                         Integer inFlight, Double recordsPerSec, Double mbPerSec, Double p50Us, Double p99Us, Double p999Us,
                         Double ratioToLimit, String note) {
    public static final String SYNC_METHODS = "sync-methods";
    public static final String SCALING = "scaling";
    public static final String PIPELINED = "pipelined";
    public static final String RECOVERY = "recovery";

    /** A timed row built from a measurement; the ratio is set later, once its reference is known. */
    static CaseResult timed(String section, String system, String mode, String backend, int threads, int recordBytes,
                            Integer inFlight, Measurement m, String note) {
        return new CaseResult(section, system, mode, backend, threads, recordBytes, inFlight, m.recordsPerSec(), m.mbPerSec(),
            m.latencyUs(50), m.latencyUs(99), m.latencyUs(99.9), null, note);
    }

    CaseResult withRatio(Double ratio) {
        return new CaseResult(section, system, mode, backend, threads, recordBytes, inFlight, recordsPerSec, mbPerSec, p50Us,
            p99Us, p999Us, ratio, note);
    }

    /** {@code value / reference}, or null when there is no reference to divide by (it measured nothing). */
    static Double ratio(double value, double reference) {
        return reference > 0 ? value / reference : null;
    }

    /** Microseconds per record per thread: each thread's time between acknowledgements. */
    public double usPerOp() {
        return recordsPerSec == null || recordsPerSec == 0 ? 0 : threads * 1e6 / recordsPerSec;
    }
}
