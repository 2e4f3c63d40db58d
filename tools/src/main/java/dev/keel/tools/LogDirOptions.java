package dev.keel.tools;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every log tool (stat, verify, dump, recover) starts with, as one picocli mixin: the DIR
 * parameter, described and checked the same way everywhere, the {@code --backend} option and the
 * read context opened with it, and the command's own output streams.
 */
final class LogDirOptions {
    /** As many reads in flight as Wal.open's recovery allows itself. */
    private static final int READS_IN_FLIGHT = 64;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Parameters(index = "0", paramLabel = "DIR",
        description = "The log directory: the one given to Wal.open, holding wal-<index>.seg files.")
    Path dir;

    @Option(names = "--backend", paramLabel = "NAME",
        description = "AIO backend for the reads: io_uring, linux-aio, posix or threads (default: the best available).")
    String backend;

    /** The directory; a usage error (exit 2) when it does not exist or is not a directory. */
    Path require() {
        if (!Files.exists(dir)) {
            throw usage("DIR " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw usage("DIR " + dir + " is not a directory");
        }
        return dir;
    }

    /** A usage error (exit 2) of the command this mixin is in. */
    ParameterException usage(String message) {
        return new ParameterException(mixee.commandLine(), message);
    }

    AioContext openReadContext() throws IOException {
        return Aio.open(AioOptions.defaults().backend(backend).maxInFlight(READS_IN_FLIGHT));
    }

    /** The report printer over this command's stdout, for the required directory. */
    ReportPrinter printer() {
        return new ReportPrinter(out(), require());
    }

    PrintWriter out() {
        return mixee.commandLine().getOut();
    }

    /** A note on stderr, prefixed with the command's name. */
    void note(String message) {
        mixee.commandLine().getErr().println(mixee.qualifiedName() + ": " + message);
    }
}
