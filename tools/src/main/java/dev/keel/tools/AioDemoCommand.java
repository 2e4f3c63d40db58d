package dev.keel.tools;

import dev.keel.aio.AddressOf;
import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Writes blocks through the AIO layer as one batch with a barrier sync behind them, reads them
 * back as another batch, checks every byte, and prints what it did and which backend did it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Write, sync and read back a file through the AIO layer, and say which backend did it.",
        "The file (demo.dat in --dir) is removed afterwards, and --dir too when the demo created it."},
    footer = {"", "Exit codes: 0 the blocks read back identical; 1 a request failed or the content differed, or an I/O "
        + "error; 2 usage error (a bad option, an unknown backend).",
        "", "Examples:",
        "  keel demo",
        "  keel demo --backend linux-aio --blocks 256 --dir /mnt/fast"})
final class AioDemoCommand implements Callable<Integer> {
    private static final int BLOCK_BYTES = 4096;

    @Option(names = "--backend", description = "io_uring, linux-aio, posix or threads (default: the best available).")
    String backend;

    @Option(names = "--dir", description = "Directory for the demo file (default: ${DEFAULT-VALUE}).", defaultValue = "keel-demo-data")
    Path dir;

    @Option(names = "--blocks", description = "4 KiB blocks to write, 1 to 256 (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int blocks;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (blocks < 1 || blocks > 256) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "--blocks=" + blocks + " must be between 1 and 256");
        }
        boolean createdDir = !Files.exists(dir);
        Files.createDirectories(dir);
        Path path = dir.resolve("demo.dat");
        try {
            return writeAndReadBack(out, path);
        } finally {
            Files.deleteIfExists(path);
            if (createdDir) {
                Files.deleteIfExists(dir);
            }
        }
    }

    private int writeAndReadBack(PrintStream out, Path path) throws IOException {
        out.println("available backends: " + Aio.availableBackends());
        ByteBuffer written = BufferUtil.allocateDirectAligned(blocks * BLOCK_BYTES, BLOCK_BYTES);
        ByteBuffer read = BufferUtil.allocateDirectAligned(blocks * BLOCK_BYTES, BLOCK_BYTES);
        for (int i = 0; i < blocks * BLOCK_BYTES; i += 8) {
            written.putLong(i, 0x4B45454CL << 32 | i);
        }
        try (AioContext ctx = Aio.open(AioOptions.defaults().backend(backend).maxInFlight(blocks + 1));
             NativeFile file = NativeFile.open(path, OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE)) {
            out.println("backend: " + ctx.backendName() + " (max in flight " + ctx.limits().maxInFlight() + ")");
            file.truncate(0);
            AioRequest[] batch = new AioRequest[blocks + 1];
            for (int i = 0; i < blocks; i++) {
                batch[i] = new AioRequest().prepareWrite(file, (long) i * BLOCK_BYTES,
                    AddressOf.buffer(written) + (long) i * BLOCK_BYTES, BLOCK_BYTES);
            }
            batch[blocks] = new AioRequest().prepareSync(file, SyncMode.DATA);
            long t0 = System.nanoTime();
            int ok = ctx.submitAndWait(batch, 0, blocks + 1);
            long writeUs = (System.nanoTime() - t0) / 1000;
            out.printf("wrote %d x %d B and synced (fdatasync barrier) in one batch: %d of %d ok, %d us%n",
                blocks, BLOCK_BYTES, ok, blocks + 1, writeUs);
            for (int i = 0; i < blocks; i++) {
                batch[i].prepareRead(file, (long) i * BLOCK_BYTES, AddressOf.buffer(read) + (long) i * BLOCK_BYTES, BLOCK_BYTES);
            }
            t0 = System.nanoTime();
            int readOk = ctx.submitAndWait(batch, 0, blocks);
            long readUs = (System.nanoTime() - t0) / 1000;
            boolean same = written.equals(read);
            out.printf("read back %d blocks in one batch: %d ok, %d us; content %s%n", blocks, readOk, readUs,
                same ? "identical" : "DIFFERENT");
            out.println("file: " + path.toAbsolutePath() + " (" + file.size() + " bytes, removed now)");
            return ok == blocks + 1 && readOk == blocks && same ? 0 : 1;
        }
    }
}
