package dev.keel.wal.crash;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.ForwardingAioContext;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The disk model's eyes: a backend that runs every request on a real one (so the log under test
 * runs on io_uring, linux-aio, posix or threads exactly as in production) and a storage that runs
 * every file operation on the real file system, both telling the {@link DiskModel} what they did.
 *
 * <p>Why a wrapper and not a simulated in-memory backend: the explorer must run on every real
 * backend (their ordering of writes and syncs is what the log relies on), the log reads back
 * through the same backends during recovery, and a simulation would be a fifth backend tested
 * in place of the four that ship. The model needs only what the log asked for and when the
 * backend said it was done; what a power cut could keep of that is computed afterwards.
 *
 * <p>A write on a file that was not opened through the storage is an error here: it would be
 * invisible to the model (and is exactly what the storage interface exists to prevent).
 */
final class RecordingBackend implements AioBackend {
    private final AioBackend delegate;
    private final Path root;
    private final DiskModel model;
    private final Map<NativeFile, Integer> inodes = new IdentityHashMap<>();
    private final Storage storage = new RecordingStorage();

    /** Records under {@code root} (the log directory), whose current contents are the durable starting point. */
    RecordingBackend(AioBackend delegate, Path root) throws IOException {
        this.delegate = delegate;
        this.root = root;
        Map<Path, Integer> names = new HashMap<>();
        Map<Integer, byte[]> contents = new HashMap<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    if (p.equals(root)) {
                        continue;
                    }
                    if (Files.isDirectory(p)) {
                        names.put(root.relativize(p), DiskModel.DIRECTORY);
                    } else {
                        int inode = contents.size() + 1;
                        names.put(root.relativize(p), inode);
                        contents.put(inode, Files.readAllBytes(p));
                    }
                }
            }
        }
        this.model = new DiskModel(names, contents);
    }

    DiskModel model() {
        return model;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String unavailableReason() {
        return delegate.unavailableReason();
    }

    @Override
    public AioContext open(AioOptions options) throws AioException {
        return new RecordingContext(delegate.open(options.backend(delegate)));
    }

    @Override
    public Storage storage() {
        return storage;
    }

    private Path relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (!abs.startsWith(root.toAbsolutePath().normalize())) {
            throw new AssertionError(p + " is outside the recorded directory " + root);
        }
        return root.toAbsolutePath().normalize().relativize(abs);
    }

    private int inodeOf(NativeFile f) {
        synchronized (inodes) {
            Integer inode = inodes.get(f);
            if (inode == null) {
                throw new AssertionError("a request on " + f.path() + ", which was not opened through Storage: the model cannot see it");
            }
            return inode;
        }
    }

    /** Records each submission before handing it on, and each completion as it is delivered. */
    private final class RecordingContext extends ForwardingAioContext {
        private final Map<AioRequest, DiskModel.Op> inFlight = new IdentityHashMap<>();

        RecordingContext(AioContext d) {
            super(d);
        }

        private void submitted(AioRequest[] batch, int from, int count) {
            synchronized (inFlight) {
                for (int i = from; i < from + count; i++) {
                    AioRequest r = batch[i];
                    DiskModel.Op op = switch (r.opcode()) {
                        case WRITE -> {
                            byte[] bytes = new byte[r.length()];
                            new UnsafeBuffer(r.address(), r.length()).getBytes(0, bytes);
                            Set<OpenFlag> flags = r.file().flags();
                            yield model.write(inodeOf(r.file()), r.offset(), bytes,
                                flags.contains(OpenFlag.DSYNC) || flags.contains(OpenFlag.SYNC), flags.contains(OpenFlag.DIRECT));
                        }
                        case SYNC -> model.sync(inodeOf(r.file()));
                        case APPEND -> throw new AssertionError("the model has no O_APPEND writes: the log never makes them");
                        default -> null;
                    };
                    if (op != null) {
                        inFlight.put(r, op);
                    }
                }
            }
        }

        private void withdraw(AioRequest[] batch, int from, int count) {
            synchronized (inFlight) {
                for (int i = from; i < from + count; i++) {
                    DiskModel.Op op = inFlight.remove(batch[i]);
                    if (op != null) {
                        model.withdrawn(op);
                    }
                }
            }
        }

        private void delivered(AioRequest[] out, int from, int n) {
            synchronized (inFlight) {
                for (int i = from; i < from + n; i++) {
                    AioRequest r = out[i];
                    DiskModel.Op op = inFlight.remove(r);
                    if (op instanceof DiskModel.DataOp w) {
                        model.completed(w, r.result() != r.length());
                    } else if (op instanceof DiskModel.SyncOp s) {
                        model.completed(s, r.result() != 0);
                    }
                }
            }
        }

        @Override
        public int submit(AioRequest[] batch, int from, int count) throws AioException {
            submitted(batch, from, count);
            int n = 0;
            try {
                n = delegate.submit(batch, from, count);
                return n;
            } finally {
                withdraw(batch, from + n, count - n);
            }
        }

        @Override
        public int submitAndWait(AioRequest[] batch, int from, int count) throws AioException {
            return recordWaited(batch, from, count, delegate::submitAndWait);
        }

        @Override
        public int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
            return recordWaited(batch, from, count, delegate::submitAndWaitInline);
        }

        /** A call that submits and waits: everything it takes is submitted, and delivered when it returns. */
        private int recordWaited(AioRequest[] batch, int from, int count, WaitedCall call) throws AioException {
            submitted(batch, from, count);
            int ok = call.run(batch, from, count);
            delivered(batch, from, count);
            return ok;
        }

        @Override
        public int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException {
            int n = delegate.await(out, min, max, timeoutNs);
            delivered(out, 0, n);
            return n;
        }

        @Override
        public int poll(AioRequest[] out, int max) throws AioException {
            int n = delegate.poll(out, max);
            delivered(out, 0, n);
            return n;
        }

        @Override
        public Storage storage() {
            return storage;
        }
    }

    /** Runs each file operation on the real file system and tells the model. */
    private final class RecordingStorage implements Storage {
        @Override
        public NativeFile open(Path path, Set<OpenFlag> flags) throws AioException {
            Path rel = relative(path);
            boolean existed = Files.exists(path);
            NativeFile f = Storage.OS.open(path, flags);
            int inode = model.inodeOf(rel);
            if (inode < 0) {
                inode = existed ? model.adopt(rel) : model.create(rel, false);
            }
            synchronized (inodes) {
                inodes.put(f, inode);
            }
            return f;
        }

        @Override
        public void truncate(NativeFile file, long lengthBytes) throws AioException {
            Storage.OS.truncate(file, lengthBytes);
            model.truncate(inodeOf(file), lengthBytes);
        }

        @Override
        public void allocate(NativeFile file, long offsetBytes, long lengthBytes) throws AioException {
            long before = file.size();
            Storage.OS.allocate(file, offsetBytes, lengthBytes);
            if (offsetBytes + lengthBytes > before) {
                model.truncate(inodeOf(file), offsetBytes + lengthBytes); // grows the size; the blocks read as zeros
            }
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            Storage.OS.rename(from, to);
            model.rename(relative(from), relative(to));
        }

        @Override
        public boolean deleteIfExists(Path path) throws IOException {
            boolean deleted = Storage.OS.deleteIfExists(path);
            if (deleted) {
                model.delete(relative(path));
            }
            return deleted;
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                Storage.OS.createDirectories(dir);
                model.create(relative(dir), true);
            }
        }

        @Override
        public void syncDirectory(Path dir) throws AioException {
            Storage.OS.syncDirectory(dir);
            model.dirSync(relative(dir));
        }

        @Override
        public List<Path> list(Path dir) throws IOException {
            return Storage.OS.list(dir);
        }

        @Override
        public boolean exists(Path path) {
            return Storage.OS.exists(path);
        }

        @Override
        public boolean isDirectory(Path path) {
            return Storage.OS.isDirectory(path);
        }
    }

    /** submitAndWait or submitAndWaitInline of the wrapped context. */
    @FunctionalInterface
    private interface WaitedCall {
        int run(AioRequest[] batch, int from, int count) throws AioException;
    }
}
