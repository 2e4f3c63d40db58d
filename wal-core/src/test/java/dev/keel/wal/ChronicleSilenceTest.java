package dev.keel.wal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A first use of the {@code BytesStore} API in a fresh JVM with no flags prints nothing but
 * Keel's own open line: no SLF4J no-provider warning, no Chronicle WARNING about
 * {@code --illegal-access}, no Chronicle ERROR about command-line arguments.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChronicleSilenceTest {
    @Test
    void aFirstUseInAFreshJvmIsSilent() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-ea",
            "-cp", System.getProperty("java.class.path"), ChronicleFirstUse.class.getName())
            .redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        String err = new String(p.getErrorStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), "exit status; stderr:\n" + err);
        assertEquals("ok 16", out);
        String foreign = err.lines().filter(line -> !line.contains("dev.keel.wal.Wal open") && !line.startsWith("INFO: opened"))
            .reduce("", (a, b) -> a + b + "\n");
        assertFalse(foreign.contains("SLF4J"), "SLF4J warning:\n" + err);
        assertFalse(foreign.contains("illegal-access"), "Chronicle's --illegal-access warning:\n" + err);
        assertFalse(foreign.contains("ERROR"), "an ERROR line:\n" + err);
        assertEquals("", foreign, "anything else printed by a dependency:\n" + err);
    }
}
