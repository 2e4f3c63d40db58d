package dev.keel.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertTrue(out.contains("(32768 bytes, removed now)"), out);
        assertFalse(Files.exists(dir.resolve("demo.dat")), "the demo removes its file");
    }

    @Test
    void demoRemovesTheDirectoryItCreated() {
        Path fresh = dir.resolve("fresh");
        runCapturing(0, "demo", "--dir", fresh.toString(), "--blocks", "1");
        assertFalse(Files.exists(fresh), "the demo removes the directory it created");
    }

    @Test
    void versionIsTheBuiltOne() {
        String out = runCapturing(0, "-V");
        assertTrue(out.startsWith("keel 0.") && !out.contains("${"), out);
    }

    @Test
    void demoHelpListsExitCodesAndExamples() {
        String out = runCapturing(0, "demo", "--help");
        assertTrue(out.contains("Exit codes: 0") && out.contains("Examples:"), out);
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
