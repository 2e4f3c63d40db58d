package dev.keel.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;

/**
 * The {@code keel} command line. Exit codes, as kafka-dump-log and etcd-dump-logs users expect:
 * 0 success, 1 a failure the command found (damage, a failed check, an I/O error), 2 a usage
 * error (bad option, unknown backend, bad value). Errors print one line, never a stack trace;
 * {@code KEEL_DEBUG=1} adds it.
 */
@Command(name = "keel", mixinStandardHelpOptions = true, versionProvider = KeelVersion.class,
    description = "Keel: an embedded write-ahead log for the JVM. Tools to inspect and repair a log.",
    footer = {"", "Exit codes: 0 ok, 1 a failure found (damage, a log in use, an I/O error), 2 usage error.",
        "'keel COMMAND --help' documents each command's options and defaults.",
        "", "Examples:",
        "  keel stat /var/lib/app/wal",
        "  keel verify /var/lib/app/wal",
        "  keel dump /var/lib/app/wal --from 100 --limit 10",
        "  keel recover /var/lib/app/wal --mode TOLERATE_CORRUPTED_TAIL --dry-run"},
    subcommands = {VerifyCommand.class, DumpCommand.class, RecoverCommand.class, StatCommand.class, AioDemoCommand.class})
public final class KeelMain {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The {@code keel} command line with the tools and {@code extraSubcommands} (the bench module
     * adds {@code bench} this way, so the tools never depend on the benchmark's peers). The extras
     * are added before the settings, which picocli applies only to the subcommands present then.
     */
    public static CommandLine commandLine(Object... extraSubcommands) {
        CommandLine cli = new CommandLine(new KeelMain());
        for (Object sub : extraSubcommands) {
            cli.addSubcommand(sub);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --format jsonl
        cli.setExecutionExceptionHandler(KeelMain::handle);
        cli.setParameterExceptionHandler(KeelMain::usageError);
        return cli;
    }

    /**
     * A usage error as GNU tools print it: the problem, the synopsis, and where the full help is;
     * the whole help after every typo would bury the one line that matters.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.print("Usage: " + cmd.getHelp().synopsis("Usage: ".length()));
        err.println("Try '" + name + " --help' for more information.");
        return EXIT_USAGE;
    }

    private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String name = cmd.getCommandSpec().qualifiedName();
        if (System.getenv("KEEL_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        if (e instanceof IllegalArgumentException) {
            cmd.getErr().println(name + ": " + e.getMessage());
            return EXIT_USAGE;
        }
        cmd.getErr().println(name + ": " + describe(e));
        return EXIT_FAILED;
    }

    /** A one-line description; java.nio's file exceptions say only the path, so name the kind too. */
    static String describe(Exception e) {
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
            return fse.getFile() + ": " + reason;
        }
        String kind = e instanceof IOException ? "" : e.getClass().getSimpleName() + ": ";
        return kind + e.getMessage();
    }
}
