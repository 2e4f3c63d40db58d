package dev.keel.bench;

import dev.keel.tools.KeelMain;

/**
 * The main class of {@code bench/target/keel.jar}, which {@code ./keel} runs: the tools'
 * command line (stat, verify, dump, recover, demo) with {@code bench} added, so one command runs
 * them all while the tools module stays free of the benchmark's peers.
 */
public final class KeelWithBench {
    private KeelWithBench() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return KeelMain.commandLine(new BenchCommand()).execute(args);
    }
}
