package dev.keel.bench.durability;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectWritesTest {
    @TempDir
    Path dir;

    @Test
    void depthWritesGoToTheLaidOutFileInOrderAndAreTimedOneByOne() throws IOException {
        Path file = dir.resolve("limits.dat");
        int writeBytes = 8192;
        Measurement m;
        try (AioContext ctx = Aio.open()) {
            DirectWrites writes = DirectWrites.layOut(ctx, file);
            assertEquals(DirectWrites.FILE_BYTES, Files.size(file), "laid out whole before the first write");
            // A window of 2 s: one 8 KiB write that takes longer is a broken disk, not a slow one.
            m = writes.run(writeBytes, 4, 0, 2_000_000_000L);
        }
        assertEquals(m.records(), m.samples(), "one latency per counted write");
        assertTrue(m.records() > 0 && m.recordsPerSec() > 0 && m.latencyUs(50) > 0, "measured: " + m.records());
        assertEquals(DirectWrites.FILE_BYTES, Files.size(file), "writes stay inside the file");
        byte[] expected = DurableLog.payload(writeBytes);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] first = new byte[writeBytes];
            f.readFully(first);
            assertArrayEquals(expected, first, "the first write landed at offset 0");
            f.seek(writeBytes);
            f.readFully(first);
            assertArrayEquals(expected, first, "the next at the next offset");
            f.seek(DirectWrites.FILE_BYTES - writeBytes);
            f.readFully(first);
            assertTrue(Arrays.equals(new byte[writeBytes], first) || Arrays.equals(expected, first),
                "the end holds zeros, or the payload once the writes wrapped");
        }
    }

    @Test
    void aWriteSizeTheDeviceCannotTakeDirectIsRefusedNamingIt() throws IOException {
        try (AioContext ctx = Aio.open()) {
            DirectWrites writes = DirectWrites.layOut(ctx, dir.resolve("limits.dat"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writes.run(1000, 1, 0, 1));
            assertTrue(e.getMessage().contains("1000 bytes"), e.getMessage());
        }
    }
}
