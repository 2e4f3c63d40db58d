package dev.keel.aio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@link Storage#OS}: the calls the log made directly before the interface existed. */
final class OsStorage implements Storage {
    @Override
    public NativeFile open(Path path, Set<OpenFlag> flags) throws AioException {
        return NativeFile.open(path, flags);
    }

    @Override
    public void truncate(NativeFile file, long lengthBytes) throws AioException {
        file.truncate(lengthBytes);
    }

    @Override
    public void allocate(NativeFile file, long offsetBytes, long lengthBytes) throws AioException {
        file.allocate(offsetBytes, lengthBytes);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return Files.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws AioException {
        NativeFile.syncDirectory(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public String toString() {
        return "Storage.OS";
    }
}
