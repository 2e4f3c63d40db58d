package dev.keel.bench.durability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --json FILE}: {@code {"machine": {...}, "run": {...}, "cases": [...]}}, one object per
 * case with the fields of {@link CaseResult} in its order, nulls written out, so that scripts
 * can compare runs without knowing which fields apply to which section.
 */
public final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static void write(BenchReport report, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", report.machine());
        doc.put("run", report.run());
        List<CaseResult> cases = report.results();
        doc.put("cases", cases);
        MAPPER.writeValue(file.toFile(), doc);
    }
}
