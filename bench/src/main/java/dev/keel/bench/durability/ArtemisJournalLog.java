package dev.keel.bench.durability;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;

/**
 * Artemis's journal as a peer: the three factories (NIO, MAPPED, ASYNCIO), each opened through
 * {@link ArtemisLoader} ({@code dev.keel.bench.durability.artemis.ArtemisJournal}). The timed
 * buffer's timeout is what {@code artemis create} writes into broker.xml after timing the disk:
 * one sync's time, here taken from the limits section (buffered pwrite + fdatasync for NIO and
 * MAPPED, O_DIRECT + O_DSYNC for ASYNCIO), or Artemis's defaults (NIO 3.33 ms, AIO 0.5 ms) when
 * the limits did not run.
 */
final class ArtemisJournalLog {
    /** ArtemisConstants.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NIO and _AIO, in nanoseconds. */
    static final int DEFAULT_TIMEOUT_NIO_NS = 3_333_333;
    static final int DEFAULT_TIMEOUT_AIO_NS = 500_000;
    static final List<String> KINDS = List.of("NIO", "MAPPED", "ASYNCIO");

    private ArtemisJournalLog() {
    }

    /** The three journals as entrants; the ASYNCIO one opens only where its libraries are (see {@link #unavailable}). */
    static List<Rounds.Entrant> entrants(DeviceLimits limits) {
        return KINDS.stream().map(kind -> new Rounds.Entrant("artemis-" + kind.toLowerCase(java.util.Locale.ROOT), null, null,
            (BenchRun.LogFactory<DurableLog>) dir -> open(dir, kind, timeoutNs(kind, limits)))).toList();
    }

    /** Why journal {@code kind} cannot run on this machine, or null when it can. */
    static String unavailable(String kind) {
        if (!kind.equals("ASYNCIO")) {
            return null;
        }
        try {
            return ArtemisLoader.get().asyncioUnavailable();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** One sync's time on this device for the factory's kind of write, as {@code artemis create} would set it. */
    static int timeoutNs(String kind, DeviceLimits limits) {
        DeviceLimit sync = kind.equals("ASYNCIO") ? DeviceLimit.DIRECT_4K_D1 : DeviceLimit.BUFFERED_4K_D1;
        if (limits == null || !limits.has(sync)) {
            return kind.equals("ASYNCIO") ? DEFAULT_TIMEOUT_AIO_NS : DEFAULT_TIMEOUT_NIO_NS;
        }
        return (int) Math.round(1e9 / limits.writesPerSec(sync));
    }

    static DurableLog open(Path dir, String kind, int bufferTimeoutNs) throws IOException {
        Class<?> adapter = ArtemisLoader.get().adapter();
        try {
            return (DurableLog) adapter.getConstructor(Path.class, String.class, int.class).newInstance(dir, kind, bufferTimeoutNs);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("Artemis " + kind + " journal failed to open: " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new IOException("Artemis adapter " + adapter.getName() + " cannot be built: " + e, e);
        }
    }
}
