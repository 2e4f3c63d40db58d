package dev.keel.aio;

import java.nio.ByteBuffer;

/**
 * A reusable control block owned by the caller: the aiocb of POSIX AIO, the request handle of
 * VirtualBox's file AIO. Prepare it, submit it to an {@link AioContext}, and get it back through
 * {@code await} or {@code poll} with its {@link #result()} set; then prepare it again. Nothing is
 * allocated per use, and the layer never copies the payload: the buffer (direct, or a raw
 * address) must stay valid until the completion is delivered. A request keeps a reference to a
 * {@link ByteBuffer} it was prepared with until then, so the buffer cannot be collected under
 * the kernel.
 *
 * <p>States: {@link RequestState}. {@code prepare*}, {@code tag} and {@code attachment} are
 * refused while the request is SUBMITTED.
 *
 * <p>Thread safety: one thread prepares and submits; the completing thread publishes the result
 * before the state (both volatile), so whoever receives the request from the context sees both.
 */
public final class AioRequest {
    private AioOpcode opcode;
    private NativeFile file;
    private long offset;
    private long address;
    private int length;
    private SyncMode syncMode;
    private ByteBuffer bufferRef;
    private long tag;
    private Object attachment;

    private volatile int result;
    private volatile RequestState state = RequestState.NEW;

    /** Context bookkeeping, written and read only under the owning context's locks. */
    AbstractAioContext owner;
    int slot = -1;
    boolean waited;
    /** Run by the submitting thread itself ({@link AioContext#submitAndWaitInline}): no backend knows it. */
    boolean inline;
    /** What the backend saw complete, held until delivery publishes it as {@link #result}. */
    int kernelResult;
    /** Set by the backend when the kernel has finished with the request (before delivery). */
    volatile boolean kernelDone;

    public AioRequest prepareRead(NativeFile file, long offset, ByteBuffer buffer, int length) {
        return prepareTransfer(AioOpcode.READ, file, offset, bufferAddress(buffer, length), length, buffer);
    }

    public AioRequest prepareRead(NativeFile file, long offset, long address, int length) {
        return prepareTransfer(AioOpcode.READ, file, offset, checkAddress(address), length, null);
    }

    public AioRequest prepareWrite(NativeFile file, long offset, ByteBuffer buffer, int length) {
        return prepareTransfer(AioOpcode.WRITE, file, offset, bufferAddress(buffer, length), length, buffer);
    }

    public AioRequest prepareWrite(NativeFile file, long offset, long address, int length) {
        return prepareTransfer(AioOpcode.WRITE, file, offset, checkAddress(address), length, null);
    }

    /**
     * A write at the end of the file, in submission order with every other append to it. The
     * file must be open with {@link OpenFlag#APPEND}: pwrite(2) on Linux only appends there.
     */
    public AioRequest prepareAppend(NativeFile file, ByteBuffer buffer, int length) {
        checkAppendable(file);
        return prepareTransfer(AioOpcode.APPEND, file, 0, bufferAddress(buffer, length), length, buffer);
    }

    public AioRequest prepareAppend(NativeFile file, long address, int length) {
        checkAppendable(file);
        return prepareTransfer(AioOpcode.APPEND, file, 0, checkAddress(address), length, null);
    }

    /** A barrier on {@code file}: completes after every earlier write to it, then syncs. */
    public AioRequest prepareSync(NativeFile file, SyncMode mode) {
        checkReusable();
        checkFile(file);
        if (mode == null) {
            throw new IllegalArgumentException("sync mode is null: use SyncMode.DATA or SyncMode.FILE");
        }
        set(AioOpcode.SYNC, file, 0, 0, 0, null);
        this.syncMode = mode;
        return this;
    }

    private AioRequest prepareTransfer(AioOpcode op, NativeFile file, long offset, long address, int length,
                                       ByteBuffer buffer) {
        checkReusable();
        checkFile(file);
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " must be >= 0");
        }
        if (length < 0) {
            throw new IllegalArgumentException("length=" + length + " must be >= 0");
        }
        set(op, file, offset, address, length, buffer);
        this.syncMode = null;
        return this;
    }

    private void set(AioOpcode op, NativeFile file, long offset, long address, int length, ByteBuffer buffer) {
        this.opcode = op;
        this.file = file;
        this.offset = offset;
        this.address = address;
        this.length = length;
        this.bufferRef = buffer;
        this.result = 0;
        this.state = RequestState.PREPARED;
    }

    private static long bufferAddress(ByteBuffer buffer, int length) {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("length=" + length + " must be between 0 and the buffer's remaining "
                + buffer.remaining());
        }
        return AddressOf.buffer(buffer) + buffer.position();
    }

    private static long checkAddress(long address) {
        if (address == 0) {
            throw new IllegalArgumentException("address=0 is not a valid buffer");
        }
        return address;
    }

    private static void checkFile(NativeFile file) {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        if (!file.isOpen()) {
            throw new IllegalArgumentException("file " + file.path() + " is closed");
        }
    }

    private static void checkAppendable(NativeFile file) {
        checkFile(file);
        if (!file.flags().contains(OpenFlag.APPEND)) {
            throw new IllegalArgumentException("file " + file.path() + " is not open with APPEND: flags=" + file.flags());
        }
    }

    private void checkReusable() {
        if (state == RequestState.SUBMITTED) {
            throw new IllegalStateException("request is SUBMITTED: wait for its completion before preparing it again");
        }
    }

    /** A caller's value returned with the completion, for example an LSN or an index. */
    public AioRequest tag(long tag) {
        checkReusable();
        this.tag = tag;
        return this;
    }

    public long tag() {
        return tag;
    }

    /** A caller's object returned with the completion. */
    public AioRequest attachment(Object attachment) {
        checkReusable();
        this.attachment = attachment;
        return this;
    }

    public Object attachment() {
        return attachment;
    }

    public RequestState state() {
        return state;
    }

    /**
     * Bytes transferred (0 at end of file; fewer than asked is a short transfer, as aio_return
     * reports it) or a negative errno.
     *
     * @throws IllegalStateException before the completion is delivered
     */
    public int result() {
        RequestState s = state;
        if (s != RequestState.COMPLETED && s != RequestState.CANCELED) {
            throw new IllegalStateException("result: request is " + s + ", not delivered yet");
        }
        return result;
    }

    /** {@link Errno#NONE} for a success, else the errno of the failure. */
    public Errno errno() {
        int r = result();
        return r < 0 ? Errno.of(-r) : Errno.NONE;
    }

    public AioOpcode opcode() {
        return opcode;
    }

    public NativeFile file() {
        return file;
    }

    /** The file offset for READ and WRITE; 0 and ignored for APPEND and SYNC. */
    public long offset() {
        return offset;
    }

    /** The native address of the first byte to transfer. */
    public long address() {
        return address;
    }

    public int length() {
        return length;
    }

    /** DATA or FILE for a SYNC request, else null. */
    public SyncMode syncMode() {
        return syncMode;
    }

    void markSubmitted(AbstractAioContext context, int slot, boolean waited, boolean inline) {
        this.owner = context;
        this.slot = slot;
        this.waited = waited;
        this.inline = inline;
        this.kernelDone = false;
        this.state = RequestState.SUBMITTED;
    }

    void markUnsubmitted() {
        this.owner = null;
        this.slot = -1;
        this.waited = false;
        this.state = RequestState.PREPARED;
    }

    void markDelivered() {
        int result = kernelResult;
        this.owner = null;
        this.slot = -1;
        this.waited = false;
        this.inline = false;
        this.bufferRef = null;
        this.result = result;
        this.state = result == -Errno.ECANCELED.value() ? RequestState.CANCELED : RequestState.COMPLETED;
    }

    /** For {@link FaultInjectingBackend}: replaces a delivered result, as a failing device would have. */
    void overrideResult(int newResult) {
        this.result = newResult;
        this.state = newResult == -Errno.ECANCELED.value() ? RequestState.CANCELED : RequestState.COMPLETED;
    }

    @Override
    public String toString() {
        return "AioRequest[" + opcode + " " + (file == null ? "-" : file.path()) + " off=" + offset + " len=" + length
            + (syncMode == null ? "" : " " + syncMode) + " tag=" + tag + " " + state + "]";
    }
}
