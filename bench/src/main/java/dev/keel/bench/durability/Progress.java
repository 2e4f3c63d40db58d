package dev.keel.bench.durability;

import java.io.PrintStream;

/**
 * Progress on stderr, so stdout holds only the report. On a terminal one line is rewritten in
 * place for every case and every long step; elsewhere (CI logs, pipes) only long steps print,
 * one line each, so a log shows where the time went without a line per case.
 */
public final class Progress {
    private final PrintStream err;
    private final boolean terminal;
    private boolean lineOpen;

    public Progress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Shows what is running now (terminal only). */
    public void step(String what) {
        if (terminal) {
            err.print("\r\033[K  " + what + " ...");
            err.flush();
            lineOpen = true;
        }
    }

    /** A step that takes seconds: always shown; on a terminal it is then updated with {@link #percent}. */
    public void longStep(String what) {
        if (terminal) {
            step(what);
        } else {
            err.println("keel bench: " + what + " ...");
        }
    }

    /** How far a long step has come (terminal only). */
    public void percent(String what, double fraction) {
        if (terminal) {
            err.printf("\r\033[K  %s ... %d%%", what, Math.round(fraction * 100));
            err.flush();
            lineOpen = true;
        }
    }

    /** Clears the progress line before the report prints over it. */
    public void clear() {
        if (lineOpen) {
            err.print("\r\033[K");
            err.flush();
            lineOpen = false;
        }
    }
}
