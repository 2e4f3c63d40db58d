package dev.keel.wal;

import net.openhft.chronicle.bytes.BytesStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleBytesTest {
    @TempDir
    Path dir;

    @Test
    void bytesStoresGoInAndComeOutWithoutACopy() throws IOException {
        byte[] expected = WalBasicsTest.payload(5, 300);
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            BytesStore<?, ?> in = BytesStore.wrap(expected);
            assertEquals(1, wal.append(in));
            assertEquals(0, in.readPosition(), "the payload's read position does not move");
            wal.append(WalBasicsTest.payload(6, 10));
            try (WalReader r = wal.reader(1)) {
                assertTrue(r.next());
                BytesStore<?, ?> out = r.payloadBytes();
                assertEquals(300, out.readRemaining());
                byte[] got = new byte[300];
                for (int i = 0; i < 300; i++) {
                    got[i] = out.readByte(i);
                }
                assertArrayEquals(expected, got);
                assertEquals(out.addressForRead(0) - 0, out.addressForRead(0), "a pointer into the reader's buffer");
                assertTrue(r.next());
                assertSame(out, r.payloadBytes(), "the same wrapper is reused: no allocation per record");
                assertEquals(10, r.payloadBytes().readRemaining());
            }
        }
    }

    @Test
    void aPayloadThatFailsWhileBeingCopiedUsesNoLsnAndLeavesTheLogWorking() throws IOException {
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            assertEquals(1, wal.append(WalBasicsTest.payload(1, 40)));
            BytesStore<?, ?> released = BytesStore.wrap(new byte[64]);
            released.releaseLast();
            assertThrows(IllegalStateException.class, () -> wal.append(released));
            assertEquals(2, wal.append(WalBasicsTest.payload(2, 40)), "the failed append used no LSN");
            assertEquals(2, wal.durableLsn());
        }
        java.nio.file.Files.delete(dir.resolve(dev.keel.recovery.SegmentFiles.CLEAN_FILE));
        try (Wal wal = Wal.open(dir, WalBasicsTest.small()); WalReader r = wal.reader(1)) {
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
            assertTrue(r.next());
            assertArrayEquals(WalBasicsTest.payload(1, 40), WalBasicsTest.bytes(r.payload()));
            assertTrue(r.next());
            assertEquals(2, r.lsn(), "the void frame is skipped");
            assertArrayEquals(WalBasicsTest.payload(2, 40), WalBasicsTest.bytes(r.payload()));
        }
    }
}
