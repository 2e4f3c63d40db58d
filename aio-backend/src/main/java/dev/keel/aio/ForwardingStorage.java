package dev.keel.aio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A storage that hands every call to another one: the base of wrappers that watch or fail file
 * operations (a test's planted fault), so each overrides only the calls it changes, as
 * {@link ForwardingAioContext} does for contexts.
 */
public abstract class ForwardingStorage implements Storage {
    /** The storage every call goes to. */
    protected final Storage delegate;

    protected ForwardingStorage(Storage delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public NativeFile open(Path path, Set<OpenFlag> flags) throws AioException {
        return delegate.open(path, flags);
    }

    @Override
    public void truncate(NativeFile file, long lengthBytes) throws AioException {
        delegate.truncate(file, lengthBytes);
    }

    @Override
    public void allocate(NativeFile file, long offsetBytes, long lengthBytes) throws AioException {
        delegate.allocate(file, offsetBytes, lengthBytes);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        delegate.rename(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws AioException {
        delegate.syncDirectory(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return delegate.isDirectory(path);
    }
}
