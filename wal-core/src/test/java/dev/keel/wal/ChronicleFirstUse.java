package dev.keel.wal;

import net.openhft.chronicle.bytes.BytesStore;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program's first use of Chronicle Bytes through Keel, run in its own JVM by
 * {@link ChronicleSilenceTest} so that nothing else has loaded Chronicle first: appends a
 * {@code BytesStore} and reads it back as one; prints "ok" and the payload's length.
 */
public final class ChronicleFirstUse {
    private ChronicleFirstUse() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("keel-chronicle-first-use");
        try (Wal wal = Wal.open(dir.resolve("log"))) {
            wal.append(BytesStore.wrap("hello, chronicle".getBytes()));
            try (WalReader r = wal.reader(1)) {
                if (!r.next()) {
                    throw new AssertionError("record 1 missing");
                }
                System.out.println("ok " + r.payloadBytes().readRemaining());
            }
        }
    }
}
