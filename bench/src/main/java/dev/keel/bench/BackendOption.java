package dev.keel.bench;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import picocli.CommandLine.Option;

import java.io.IOException;

/** The --backend option of the log tools, and the read context they open with it. */
final class BackendOption {
    /** As many reads in flight as Wal.open's recovery allows itself. */
    private static final int READS_IN_FLIGHT = 64;

    @Option(names = "--backend", paramLabel = "NAME",
        description = "AIO backend for the reads: io_uring, linux-aio, posix or threads (default: the best available).")
    String backend;

    AioContext openReadContext() throws IOException {
        return Aio.open(AioOptions.defaults().backend(backend).maxInFlight(READS_IN_FLIGHT));
    }
}
