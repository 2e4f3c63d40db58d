package dev.keel.wal.recovery;

import dev.keel.recovery.RecoveryMode;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The process {@link CrashRecoveryTest} kills: opens the log in a directory and appends
 * self-checking payloads from several threads until it is killed, printing after each
 * acknowledged append one line {@code A <lsn> <crc32 of the payload, hex>} (and first
 * {@code ready <lastLsn>} once the log is open). Each line is one write(2) to the pipe, so a
 * line the parent reads whole was printed whole.
 *
 * <p>Arguments: {@code dir durability threads seed}. It exits by itself after
 * {@link #MAX_LIFE_MS} so that a parent that died never leaves it running.
 */
public final class CrashChild {
    static final long SEGMENT_BYTES = 64 << 10;
    static final int MAX_PAYLOAD_BYTES = 600;
    static final long MAX_LIFE_MS = 60_000;
    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private CrashChild() {
    }

    static WalOptions options(Durability durability) {
        return WalOptions.defaults().segmentBytes(SEGMENT_BYTES).maxRecordBytes(4096).durability(durability)
            .recoveryMode(RecoveryMode.TOLERATE_CORRUPTED_TAIL);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Durability durability = Durability.valueOf(args[1]);
        int threads = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        Thread reaper = new Thread(() -> {
            try {
                Thread.sleep(MAX_LIFE_MS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(3);
        });
        reaper.setDaemon(true);
        reaper.start();
        Wal wal = Wal.open(dir, options(durability));
        print("ready " + wal.lastLsn());
        for (int t = 0; t < threads; t++) {
            SplittableRandom random = new SplittableRandom(seed * 31 + t);
            Thread appender = new Thread(() -> appendUntilKilled(wal, random), "appender-" + t);
            appender.start();
        }
    }

    private static void appendUntilKilled(Wal wal, SplittableRandom random) {
        try {
            while (true) {
                byte[] payload = SelfCheckingPayload.create(random.nextLong(),
                    SelfCheckingPayload.MIN_BYTES + random.nextInt(MAX_PAYLOAD_BYTES));
                long lsn = wal.append(payload);
                print("A " + lsn + " " + Long.toHexString(SelfCheckingPayload.crc32(payload)));
            }
        } catch (IOException e) {
            print("failed " + e);
            Runtime.getRuntime().halt(2);
        }
    }

    private static void print(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (OUT) {
            try {
                OUT.write(bytes);
            } catch (IOException e) {
                Runtime.getRuntime().halt(4); // the parent is gone
            }
        }
    }
}
