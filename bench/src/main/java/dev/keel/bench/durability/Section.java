package dev.keel.bench.durability;

import java.io.IOException;
import java.util.List;

/** One part of the report: its cases, run in order, each printed as soon as it can be. */
public interface Section {
    /** The section's name, as {@code --section} and the JSON's {@code section} field spell it. */
    String name();

    /** How many timed cases the section runs (for the time estimate printed at the start). */
    int timedCases(BenchSettings settings);

    List<BenchCase> run(BenchRun run) throws IOException;
}
