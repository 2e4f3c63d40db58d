package dev.keel.aio.linuxaio;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.NativeFile;
import dev.keel.aio.RequestState;
import dev.keel.aio.SyncMode;
import dev.keel.aio.linuxaio.ScriptedAioSyscalls.Entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bookkeeping of a randomized ordering test: what was submitted to the context, in which
 * order, and what it was canceled or completed with; then the checks of the kernel's timeline
 * against it. Every write has its own 64-byte piece of one buffer, so its address names it in
 * the timeline; syncs of one descriptor reach the kernel in submission order, so the k-th sync
 * in the timeline is the k-th sync submitted that was not canceled.
 */
final class ModelRun {
    private static final int PIECE = 64;

    private final NativeFile[] files;
    private final ByteBuffer buffer;
    private int nextPiece;
    private final List<AioRequest> submitted = new ArrayList<>();
    /** For each sync: the addresses of the writes to its descriptor submitted before it. */
    private final Map<AioRequest, List<Long>> writesBeforeSync = new HashMap<>();
    private final Set<AioRequest> canceled = new HashSet<>();
    private final Set<AioRequest> delivered = new HashSet<>();

    ModelRun(NativeFile[] files, ByteBuffer buffer) {
        this.files = files;
        this.buffer = buffer;
    }

    void submitRandomBatch(Random rnd, AioContext ctx) throws AioException {
        int count = 1 + rnd.nextInt(8);
        AioRequest[] batch = new AioRequest[count];
        for (int i = 0; i < count; i++) {
            int fd = rnd.nextInt(files.length);
            batch[i] = rnd.nextInt(4) == 0 ? new AioRequest().prepareSync(files[fd], rnd.nextBoolean() ? SyncMode.DATA
                : SyncMode.FILE) : prepareWrite(fd, new AioRequest());
        }
        int accepted = ctx.submit(batch, 0, count);
        for (int i = 0; i < accepted; i++) {
            AioRequest r = batch[i];
            if (r.opcode() == AioOpcode.SYNC) {
                writesBeforeSync.put(r, writesTo(r.file()));
            }
            submitted.add(r);
        }
    }

    private AioRequest prepareWrite(int fd, AioRequest r) {
        int piece = nextPiece++;
        long address = AddressOf.buffer(buffer) + (long) piece * PIECE;
        buffer.putInt(piece * PIECE, piece);
        return fd == 0 ? r.prepareAppend(files[0], address, PIECE).tag(piece)
            : r.prepareWrite(files[1], (long) piece * PIECE, address, PIECE).tag(piece);
    }

    private List<Long> writesTo(NativeFile f) {
        List<Long> addresses = new ArrayList<>();
        for (AioRequest r : submitted) {
            if (r.file() == f && r.opcode() != AioOpcode.SYNC) {
                addresses.add(r.address());
            }
        }
        return addresses;
    }

    void cancelRandom(Random rnd, AioContext ctx) throws AioException {
        List<AioRequest> open = submitted.stream().filter(r -> r.state() == RequestState.SUBMITTED).toList();
        if (!open.isEmpty()) {
            AioRequest r = open.get(rnd.nextInt(open.size()));
            if (ctx.cancel(r) == CancelResult.CANCELED) {
                canceled.add(r);
            }
        }
    }

    void delivered(List<AioRequest> requests) {
        for (AioRequest r : requests) {
            assertTrue(delivered.add(r), () -> "delivered twice: " + r);
            if (canceled.contains(r)) {
                assertEquals(Errno.ECANCELED, r.errno(), r.toString());
            } else {
                assertTrue(r.result() >= 0, r::toString);
            }
        }
    }

    String summary() {
        long syncs = submitted.stream().filter(r -> r.opcode() == AioOpcode.SYNC).count();
        return submitted.size() + " requests (" + syncs + " syncs), " + canceled.size() + " canceled";
    }

    void check(List<Entry> timeline, String context) throws IOException {
        assertEquals(submitted.size(), delivered.size(), context + ": every accepted request delivered once");
        checkAppends(timeline, context);
        checkSyncs(timeline, context, 0);
        checkSyncs(timeline, context, 1);
    }

    private void checkAppends(List<Entry> timeline, String context) throws IOException {
        int appendFd = files[0].fd();
        int inKernel = 0;
        List<Long> kernelOrder = new ArrayList<>();
        for (Entry e : timeline) {
            if (e.fd() == appendFd && !e.isSync()) {
                inKernel += e.submitted() ? 1 : -1;
                assertTrue(inKernel <= 1, context + ": two appends of one descriptor in the kernel at once");
                if (e.submitted()) {
                    kernelOrder.add(e.bufferAddress());
                }
            }
        }
        List<AioRequest> landed = submitted.stream()
            .filter(r -> r.file() == files[0] && r.opcode() == AioOpcode.APPEND && !canceled.contains(r)).toList();
        assertEquals(landed.stream().map(AioRequest::address).toList(), kernelOrder,
            context + ": appends reached the kernel out of submission order");
        ByteBuffer expected = ByteBuffer.allocate(landed.size() * PIECE);
        for (AioRequest r : landed) {
            byte[] piece = new byte[PIECE];
            buffer.get((int) r.tag() * PIECE, piece);
            expected.put(piece);
        }
        assertArrayEquals(expected.array(), Files.readAllBytes(files[0].path()), context + ": append file content");
    }

    private void checkSyncs(List<Entry> timeline, String context, int fdIndex) {
        NativeFile f = files[fdIndex];
        List<AioRequest> syncs = submitted.stream()
            .filter(r -> r.file() == f && r.opcode() == AioOpcode.SYNC && !canceled.contains(r)).toList();
        Set<Long> reaped = new HashSet<>();
        int k = 0;
        for (Entry e : timeline) {
            if (e.fd() != f.fd()) {
                continue;
            }
            if (!e.submitted() && !e.isSync()) {
                reaped.add(e.bufferAddress());
            } else if (e.submitted() && e.isSync()) {
                if (k >= syncs.size()) {
                    fail(context + ": more syncs reached the kernel than were submitted to " + f.path());
                }
                AioRequest sync = syncs.get(k++);
                for (long write : writesBeforeSync.get(sync)) {
                    boolean wasCanceled = canceled.stream().anyMatch(c -> c.address() == write);
                    assertTrue(wasCanceled || reaped.contains(write),
                        context + ": sync " + sync + " reached the kernel before an earlier write was reaped");
                }
            }
        }
        assertEquals(syncs.size(), k, context + ": syncs that reached the kernel on " + f.path());
    }
}
