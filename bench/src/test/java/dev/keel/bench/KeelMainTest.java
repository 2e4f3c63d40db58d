package dev.keel.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeelMainTest {
    @TempDir
    Path dir;

    private String runCapturing(int expectedExit, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(expectedExit, r.exit(), () -> "exit code of keel " + String.join(" ", args) + ": " + r);
        return r.out() + r.err();
    }

    @Test
    void demoWritesSyncsReadsBackAndNamesTheBackend() throws Exception {
        String out = runCapturing(0, "demo", "--dir", dir.toString(), "--blocks", "8");
        assertTrue(out.contains("backend: "), out);
        assertTrue(out.contains("content identical"), out);
        assertEquals(8 * 4096, Files.size(dir.resolve("demo.dat")));
    }

    @Test
    void anUnknownBackendIsAUsageErrorInOneLine() {
        String out = runCapturing(2, "demo", "--dir", dir.toString(), "--backend", "nope");
        assertTrue(out.contains("unknown AIO backend 'nope'"), out);
        assertTrue(!out.contains("\tat "), "no stack trace: " + out);
    }

    @Test
    void aBadValueNamesTheValueAndTheLimit() {
        String out = runCapturing(2, "demo", "--dir", dir.toString(), "--blocks", "1000");
        assertTrue(out.contains("--blocks=1000 must be between 1 and 256"), out);
    }
}
