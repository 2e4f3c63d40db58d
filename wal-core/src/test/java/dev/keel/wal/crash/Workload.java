package dev.keel.wal.crash;

import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the log does while the disk model records: appends (acknowledged into the history),
 * segment rolls, truncations, a clean close. A workload that "crashes" marks its end and leaves
 * the log open; the explorer closes it after recording stopped counting.
 */
enum Workload {
    /** One thread, 16 blocking appends of 100 to 3,000 bytes (several sectors, several batches). */
    ONE_WRITER(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            for (int i = 0; i < 16; i++) {
                append(wal, h, i, 100 + (i * 733) % 2900);
            }
        }
    },
    /** Eight threads, four appends each: group commit, batches of several writers. */
    EIGHT_WRITERS(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int writer = t;
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 4; i++) {
                            append(wal, h, writer * 1000L + i, 200 + (writer * 397 + i * 911) % 1800);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
    },
    /**
     * Twenty pipelined asynchronous appends of 700 to 1,900 bytes: batches of many frames over
     * several pages, so a torn batch can leave a hole before its own later frames.
     */
    PIPELINED(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            List<java.util.concurrent.CompletableFuture<Long>> acks = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                acks.add(wal.appendAsync(java.nio.ByteBuffer.wrap(h.submit(i, 700 + (i * 347) % 1200))));
            }
            for (int i = 0; i < acks.size(); i++) {
                h.acked(acks.get(i).get(), i);
            }
        }
    },
    /**
     * DIRECT (O_DIRECT segments, {@code WalOptions.directIo}) at depth: pipelined asynchronous
     * appends of 300 to 1,700 bytes, batches of at most 4 KiB (each one aligned write padded to
     * the block), up to eight in flight, in rounds until the disk model has seen at least two
     * writes in flight at once (the committer submits the next batch before it reaps the last;
     * a round that happens not to overlap is followed by another). A power cut can then keep a
     * later batch without an earlier one (a hole before later batches): both unacknowledged, so
     * recovery must read it as a torn tail (DamageTable T4), never as mid-log corruption. The
     * rounds fill the 64 KiB segments several times: DIRECT rolls (the committer's) too.
     */
    DIRECT_AT_DEPTH(64 << 10) {
        @Override
        WalOptions options(WalOptions base) {
            return super.options(base).directIo(true).maxSyncsInFlight(8).maxBatchBytes(4096);
        }

        @Override
        void run(Wal wal, History h) throws Exception {
            for (int round = 0; round < MAX_ROUNDS && (round < 2 || h.maxWritesInFlight() < 2); round++) {
                List<java.util.concurrent.CompletableFuture<Long>> acks = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    long key = round * 100L + i;
                    acks.add(wal.appendAsync(java.nio.ByteBuffer.wrap(h.submit(key, 300 + (int) (key * 347) % 1400))));
                }
                for (int i = 0; i < acks.size(); i++) {
                    h.acked(acks.get(i).get(), round * 100L + i);
                }
            }
        }
    },
    /** 64 KiB segments and 5 KB records: three rolls, the next segment prepared in the background. */
    SEGMENT_ROLLS(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            for (int i = 0; i < 40; i++) {
                append(wal, h, i, 4000 + (i * 277) % 2000);
            }
        }
    },
    /** Rolls, then truncateBefore (whole segments go) and truncateAfter (a tail is zeroed), then more appends. */
    TRUNCATIONS(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            appendEach(wal, h, 0, 30, 5000);
            cut(wal, h, History.Cut.BEFORE, 20);
            cut(wal, h, History.Cut.AFTER, 25);
            appendEach(wal, h, 100, 106, 3000);
        }
    },
    /**
     * Segment recycling: 30 records of 5 KB (three 64 KiB segments), truncateBefore(25) hands the
     * two old segments back as spares ({@code wal-N.spare}: renamed, directory synced), then 30
     * more records roll into new segments that reuse them (each spare zero-filled in place,
     * synced, renamed to the new segment's name, directory synced). No stale frame of a recycled
     * file may pass as a record at any crash point of the recycle or the reuse.
     */
    SEGMENT_RECYCLING(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            appendEach(wal, h, 0, 30, 5000);
            cut(wal, h, History.Cut.BEFORE, 25);
            appendEach(wal, h, 100, 130, 5000);
        }
    },
    /**
     * The log's head ({@code keel.head}, written through the storage: a new file synced, renamed
     * over the old, directory synced): truncatePrefix inside the second segment, more appends,
     * then a reset to LSN 1000 (a new epoch: the head's rename commits it, the old segments are
     * deleted after), and appends from 1000. Records a finished truncatePrefix or reset removed
     * must never come back.
     */
    HEAD_MOVES(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            appendEach(wal, h, 0, 24, 4000);
            cut(wal, h, History.Cut.PREFIX, 20);
            appendEach(wal, h, 100, 106, 3000);
            cut(wal, h, History.Cut.RESET, 1000);
            appendEach(wal, h, 200, 206, 3000);
        }
    },
    /** A few appends, then close: seal, clean-shutdown marker, directory sync; crashes fall inside the close. */
    CLEAN_CLOSE(64 << 10) {
        @Override
        void run(Wal wal, History h) throws Exception {
            appendEach(wal, h, 0, 6, 1500);
            wal.close();
        }
    };

    /** DIRECT_AT_DEPTH's bound on rounds: a run whose writes never overlap fails its check rather than loop. */
    static final int MAX_ROUNDS = 20;

    final long segmentBytes;

    Workload(long segmentBytes) {
        this.segmentBytes = segmentBytes;
    }

    WalOptions options(WalOptions base) {
        return base.segmentBytes(segmentBytes).maxRecordBytes(8192).logBufferBytes(64 << 10);
    }

    abstract void run(Wal wal, History h) throws Exception;

    static void append(Wal wal, History h, long key, int bytes) throws Exception {
        long lsn = wal.append(h.submit(key, bytes));
        h.acked(lsn, key);
    }

    /** Blocking appends of the keys {@code [fromKey, toKey)}, {@code bytes} each, in order. */
    static void appendEach(Wal wal, History h, int fromKey, int toKey, int bytes) throws Exception {
        for (int key = fromKey; key < toKey; key++) {
            append(wal, h, key, bytes);
        }
    }

    /** A truncation or reset, its start and end marked in the history. */
    static void cut(Wal wal, History h, History.Cut cut, long lsn) throws Exception {
        long start = h.truncationStarts(cut, lsn);
        switch (cut) {
            case BEFORE -> wal.truncateBefore(lsn);
            case PREFIX -> wal.truncatePrefix(lsn);
            case AFTER -> wal.truncateAfter(lsn);
            case RESET -> wal.reset(lsn);
            default -> throw new AssertionError(cut);
        }
        h.truncationEnded(cut, lsn, start);
    }

    /** Path of the log inside a run directory. */
    static Path logDir(Path run) {
        return run.resolve("log");
    }
}
