package dev.keel.bench;

import dev.keel.tools.Cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    private static final List<String> CASE_FIELDS = List.of("section", "system", "mode", "backend", "threads", "recordBytes",
        "inFlight", "recordsPerSec", "mbPerSec", "p50Us", "p99Us", "p999Us", "samples", "cpuUsPerRecord", "ratioToLimit", "ratioMin",
        "ratioMax", "rounds", "limit", "ratioToDeviceLimit", "guarantee", "note");

    @TempDir
    Path dir;

    private String run(int expectedExit, String... args) {
        Cli.Result r = Cli.run(KeelWithBench::run, args);
        assertEquals(expectedExit, r.exit(), () -> "exit code of keel " + String.join(" ", args) + ": " + r);
        return r.out() + r.err();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--seconds|0|--seconds=0.0 must be between 0.05 and 600.0",
        "--seconds|601|--seconds=601.0 must be between 0.05 and 600.0",
        "--seconds|-1|--seconds=-1.0 must be between 0.05 and 600.0",
        "--seconds|NaN|--seconds=NaN must be between 0.05 and 600.0",
        "--recovery-mib|100|--recovery-mib=100 must be a multiple of 64 between 64 and 1048576",
        "--recovery-mib|0|--recovery-mib=0 must be a multiple of 64 between 64 and 1048576",
        "--section|nope|--section=nope is not a section: choose from [limits, sync-methods, scaling, pipelined, recovery, direct]",
    })
    void aBadValueIsAUsageErrorNamingTheValueAndItsLimits(String option, String value, String message) {
        String out = run(2, "bench", "--dir", dir.toString(), option, value);
        assertTrue(out.contains("keel bench: " + message), out);
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
        assertFalse(out.contains("keel bench: durable appends"), "nothing ran: " + out);
    }

    @Test
    void helpListsExitCodesAndExamples() {
        String out = run(0, "bench", "--help");
        assertTrue(out.contains("Exit codes: 0 done") && out.contains("Examples:") && out.contains("keel bench --quick"), out);
    }

    @Test
    void aValueOfTheWrongTypeIsAUsageError() {
        String out = run(2, "bench", "--dir", dir.toString(), "--seconds", "soon");
        assertTrue(out.contains("--seconds") && out.contains("soon"), out);
    }

    @Test
    void aFileWhereADirectoryGoesIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertTrue(run(2, "bench", "--dir", file.toString()).contains("--dir=" + file + " exists and is not a directory"));
        assertTrue(run(2, "bench", "--dir", dir.toString(), "--plots", file.toString())
            .contains("--plots=" + file + " exists and is not a directory"));
        assertTrue(run(2, "bench", "--dir", dir.toString(), "--json", dir.toString())
            .contains("--json=" + dir + " is a directory; name a file"));
    }

    @Test
    void aTinyRunWritesJsonWithEveryFieldOfEveryCaseChartsAndCleansUp() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path json = dir.resolve("out/report.json");
        Path plots = dir.resolve("plots");
        String out = run(0, "bench", "--quick", "--seconds", "0.05", "--recovery-mib", "64", "--dir", work.toString(), "--json",
            json.toString(), "--plots", plots.toString());
        for (String title : List.of("0. Device limits", "1. Sync methods", "2. Group commit scaling", "3. Pipelined appends", "4. Recovery",
            "5. DIRECT I/O")) {
            assertTrue(out.contains(title), title + " in: " + out);
        }
        assertTrue(out.contains("keel: the first append of a new log waits for its first segment"), "the first appends' cost is shown");
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        JsonNode machine = doc.get("machine");
        for (String field : List.of("cores", "memoryBytes", "kernel", "java", "fileSystem", "device", "dir")) {
            assertTrue(machine.has(field), "machine." + field + " in " + machine);
        }
        assertTrue(machine.get("cores").asInt() >= 1);
        // The bound needs a depth-1 rate and a bandwidth above zero: 50 ms windows on a loaded machine may not get them.
        boolean hasBound = false;
        for (JsonNode c : doc.get("cases")) {
            hasBound |= c.get("system").asText().equals("bound");
        }
        Set<String> sections = new HashSet<>();
        Set<String> systems = new HashSet<>();
        for (JsonNode c : doc.get("cases")) {
            for (String field : CASE_FIELDS) {
                assertTrue(c.has(field), field + " in " + c);
            }
            sections.add(c.get("section").asText());
            systems.add(c.get("system").asText());
            if (c.get("note").asText().startsWith("not run: ")) {
                assertTrue(c.get("recordsPerSec").isNull(), "a system that could not run says why and measures nothing: " + c);
                continue;
            }
            assertTrue(c.get("mbPerSec").isNumber(), "measured: " + c);
            if (!c.get("section").asText().equals("recovery")) {
                assertFalse(c.get("guarantee").isNull(), "every row says what a returned append guarantees: " + c);
            }
            if (c.get("section").asText().equals("limits")) {
                // 50 ms windows on a loaded machine may see no write complete: what is checked is that every
                // limit was measured and reported whole; DirectWritesTest checks positive rates with a long window.
                assertTrue(c.get("recordsPerSec").isNumber() && c.get("samples").isNumber() && c.get("inFlight").asInt() >= 1,
                    "the device's limits are measured: " + c);
                assertEquals(c.get("recordsPerSec").asDouble() > 0, c.get("cpuUsPerRecord").isNumber(),
                    "CPU per write wherever a write completed: " + c);
            }
            if (c.get("section").asText().equals("scaling") && !c.get("system").asText().equals("bound")) {
                assertEquals(3, c.get("rounds").asInt(), "scaling rows come from interleaved rounds: " + c);
                assertTrue(c.get("cpuUsPerRecord").isNull() == (c.get("recordsPerSec").asDouble() == 0),
                    "CPU per record wherever a record completed: " + c);
            }
            if (c.get("system").asText().startsWith("keel") && c.get("section").asText().equals("scaling") && hasBound) {
                assertEquals("bound", c.get("limit").asText(), "Keel's scaling rows are held against the bound: " + c);
                assertTrue(c.get("ratioToDeviceLimit").isNumber(), c.toString());
            }
            if (c.get("system").asText().startsWith("keel") && !c.get("section").asText().equals("recovery")) {
                assertFalse(c.get("mode").isNull(), "Keel rows name their Durability: " + c);
            }
        }
        assertEquals(Set.of("limits", "sync-methods", "scaling", "pipelined", "direct", "recovery"), sections);
        for (JsonNode c : doc.get("cases")) {
            String system = c.get("system").asText();
            if (system.equals("raw-limit") && !c.get("section").asText().equals("recovery")) {
                assertEquals(1.0, c.get("ratioToLimit").asDouble(), 1e-12, "the limit is its own reference: " + c);
            } else if (system.equals("raw-limit")) {
                assertEquals(1.0, c.get("ratioToLimit").asDouble(), "the limit is its own reference: " + c);
            }
            if (c.get("section").asText().equals("scaling") && !system.startsWith("keel") && c.get("ratioToLimit").isNumber()) {
                assertTrue(c.get("ratioToLimit").asDouble() <= 1.0, "no peer beats the best peer of its round: " + c);
            }
            if (c.get("section").asText().equals("pipelined")) {
                assertTrue(c.get("ratioToLimit").isNull() && c.get("inFlight").asInt() >= 1, "pipelined: " + c);
            }
        }
        systems.add("bound"); // present whenever the limits measured something (see hasBound)
        assertEquals(Set.of("device", "bound", "keel", "keel-dsync", "keel-direct", "raw-limit", "rocksdb", "chronicle-queue", "filechannel", "artemis-nio",
            "artemis-mapped", "artemis-asyncio"), systems);
        try (Stream<Path> pngs = Files.list(plots)) {
            assertTrue(pngs.anyMatch(p -> p.getFileName().toString().equals("scaling-128B.png")), "scaling chart written");
        }
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(0, left.count(), "the run removes what it wrote, and only that");
        }
    }
}
