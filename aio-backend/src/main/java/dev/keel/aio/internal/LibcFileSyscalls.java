package dev.keel.aio.internal;

import static dev.keel.aio.Errno.EINTR;

/** {@link FileSyscalls} through libc, retrying EINTR and turning -1/errno into -errno. */
final class LibcFileSyscalls implements FileSyscalls {
    private static final int EINTR_VALUE = EINTR.value();

    @Override
    public long pread(int fd, long address, long length, long offset) {
        long r;
        do {
            r = LibC.pread(fd, address, length, offset);
        } while (r < 0 && LibC.errno() == EINTR_VALUE);
        return r < 0 ? -LibC.errno() : r;
    }

    @Override
    public long pwrite(int fd, long address, long length, long offset) {
        long r;
        do {
            r = LibC.pwrite(fd, address, length, offset);
        } while (r < 0 && LibC.errno() == EINTR_VALUE);
        return r < 0 ? -LibC.errno() : r;
    }

    @Override
    public long write(int fd, long address, long length) {
        long r;
        do {
            r = LibC.write(fd, address, length);
        } while (r < 0 && LibC.errno() == EINTR_VALUE);
        return r < 0 ? -LibC.errno() : r;
    }

    @Override
    public int fdatasync(int fd) {
        int r;
        do {
            r = LibC.fdatasync(fd);
        } while (r < 0 && LibC.errno() == EINTR_VALUE);
        return r < 0 ? -LibC.errno() : r;
    }

    @Override
    public int fsync(int fd) {
        int r;
        do {
            r = LibC.fsync(fd);
        } while (r < 0 && LibC.errno() == EINTR_VALUE);
        return r < 0 ? -LibC.errno() : r;
    }
}
