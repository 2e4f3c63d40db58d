package dev.keel.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs {@code keel} in-process through {@link KeelMain#run} (or another entry point, such as the bench's
 * command line with {@code bench} added), capturing stdout and stderr apart. Shared with the bench's and the
 * agreement tests through this module's test jar.
 */
public final class Cli {
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    public static Result run(String... args) {
        return run(KeelMain::run, args);
    }

    /** Runs {@code main} on {@code args} as the {@code keel} script would. */
    public static Result run(ToIntFunction<String[]> main, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = main.applyAsInt(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(out);
            System.setErr(err);
        }
        return new Result(exit, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
    }

    /** Runs and checks the exit code, printing everything the command said when it is wrong. */
    public static Result expect(int exit, String... args) {
        Result r = run(args);
        assertEquals(exit, r.exit(), () -> "keel " + String.join(" ", args) + ":\n" + r);
        return r;
    }
}
