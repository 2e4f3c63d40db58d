package dev.keel.bench;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;

/** The DIR parameter every log tool takes, described and checked the same way everywhere. */
final class LogDirParameter {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Parameters(index = "0", paramLabel = "DIR",
        description = "The log directory: the one given to Wal.open, holding wal-<index>.seg files.")
    Path dir;

    /** The directory; a usage error (exit 2) when it does not exist or is not a directory. */
    Path require() {
        if (!Files.exists(dir)) {
            throw new ParameterException(mixee.commandLine(), "DIR " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(mixee.commandLine(), "DIR " + dir + " is not a directory");
        }
        return dir;
    }
}
