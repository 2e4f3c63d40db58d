package dev.keel.bench.jmh;

import dev.keel.aio.AioOpcode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AIO benchmark's pipeline, driven by hand as JMH would (setup, invocations, teardown) on
 * the threads backend with a small file: every invocation reaps at least one request, counts
 * exactly what it reaped, and keeps {@code depth} in flight, for reads and for writes alike.
 * Not a measurement: no timing is looked at.
 */
class AioBenchmarkPipelineTest {
    private static final int TRANSFER_BYTES = 4096;
    private static final long FILE_BYTES = 4 * TRANSFER_BYTES;
    private static final int DEPTH = 2;
    private static final int INVOCATIONS = 20;

    @TempDir
    Path parent;
    private String previousDir;

    @BeforeEach
    void underTheTestsDirectory() {
        previousDir = System.setProperty(BenchDir.PROPERTY, parent.toString());
    }

    @AfterEach
    void restore() {
        if (previousDir == null) {
            System.clearProperty(BenchDir.PROPERTY);
        } else {
            System.setProperty(BenchDir.PROPERTY, previousDir);
        }
    }

    @Test
    void writesKeepDepthInFlightAndCountWhatTheyReap() throws Exception {
        run(new AioBenchmark.Writes(), AioOpcode.WRITE);
    }

    @Test
    void readsOfAPreloadedFileKeepDepthInFlightAndCountWhatTheyReap() throws Exception {
        run(new AioBenchmark.Reads(), AioOpcode.READ);
    }

    private void run(AioBenchmark.Pipeline s, AioOpcode opcode) throws Exception {
        s.backend = "threads";
        s.depth = DEPTH;
        s.open(opcode, TRANSFER_BYTES, FILE_BYTES);
        AioBenchmark.Completed c = new AioBenchmark.Completed();
        long reaped = 0;
        try {
            assertEquals(DEPTH, s.ctx.inFlight(), "setup submits depth requests");
            for (int i = 0; i < INVOCATIONS; i++) {
                int n = s.reapAndResubmit(c);
                assertTrue(n >= 1 && n <= DEPTH, "reaped " + n);
                reaped += n;
                assertEquals(reaped, c.ops);
                assertEquals(reaped, s.completed);
                assertEquals(DEPTH, s.ctx.inFlight(), "what was reaped is resubmitted");
            }
            // The offsets went round the file: the requests still ask for whole transfers inside it.
            assertTrue(reaped + DEPTH > FILE_BYTES / TRANSFER_BYTES);
        } finally {
            s.close();
        }
        try (var left = Files.list(parent)) {
            assertEquals(0, left.count(), "teardown removes the trial's directory");
        }
    }
}
