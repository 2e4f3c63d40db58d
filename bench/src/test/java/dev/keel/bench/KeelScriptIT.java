package dev.keel.bench;

import dev.keel.wal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./keel} script end to end, as users start it: from the repository root, on the jar
 * that the package phase built (failsafe runs this after it, in {@code mvn verify}). It is
 * skipped, never failed, when the jar is missing or older than the sources, since the script
 * would then run Maven inside this build.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeelScriptIT {
    @TempDir
    Path dir;

    @Test
    void keelStatRunsThroughTheScriptOnTheBuiltJar() throws Exception {
        try (Wal wal = Wal.open(dir)) {
            for (int i = 1; i <= 100; i++) {
                wal.append(("record " + i).getBytes(StandardCharsets.US_ASCII));
            }
        }
        String out = runScript("stat", dir.toString());
        assertTrue(out.contains("last close: clean"), out);
        assertTrue(out.contains("LSN range: 1..100 (100 records)"), out);
    }

    /** The jar ./keel runs holds the tools and bench: each one answers --help through the script. */
    @Test
    void everyCommandRunsThroughTheScript() throws Exception {
        for (String command : new String[] {"stat", "verify", "dump", "recover", "demo", "bench"}) {
            String out = runScript(command, "--help");
            assertTrue(out.contains("Usage: keel " + command), out);
            assertTrue(out.contains("Exit codes:"), command + " --help lists its exit codes: " + out);
            assertTrue(out.contains("Example"), command + " --help shows examples: " + out);
        }
        assertTrue(runScript("-V").startsWith("keel 0."), "keel -V prints the version");
    }

    private String runScript(String... args) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path script = root.resolve("keel");
        Path jar = root.resolve("bench/target/keel.jar");
        assumeTrue(Files.isExecutable(script), "no ./keel script at " + script);
        assumeTrue(Files.exists(jar) && !olderThanSources(jar, root), jar + " is missing or stale: run mvn package");
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keel did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(!out.contains("building"), "the script used the jar the build made: " + out);
        return out;
    }

    /** The script's own staleness rule: any main source or pom newer than the jar. */
    private static boolean olderThanSources(Path jar, Path root) throws IOException {
        FileTime built = Files.getLastModifiedTime(jar);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().contains("/src/main/") || f.getFileName().toString().equals("pom.xml"))
                .filter(f -> !f.toString().contains("/target/"))
                .anyMatch(f -> {
                    try {
                        return Files.getLastModifiedTime(f).compareTo(built) > 0;
                    } catch (IOException e) {
                        return true;
                    }
                });
        }
    }
}
