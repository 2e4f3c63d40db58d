package dev.keel.aio.posix;

import java.util.Arrays;

/**
 * A set of file descriptors that empties in O(1): each entry carries the pass it was added in,
 * and {@link #newPass()} makes every older entry invisible. The scans of the in-flight list use
 * it to remember which descriptors already showed a request still queued in glibc, with no
 * allocation and no clearing per scan. Open addressing, linear probing; sized for at most
 * {@code maxEntries} descriptors per pass, so it never fills. Not thread-safe: used under the
 * context's list lock.
 */
final class FdSet {
    private final int[] fds;
    private final int[] passes;
    private final int mask;
    private int pass = 1;

    FdSet(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(2, maxEntries) * 2 - 1) << 1;
        this.fds = new int[capacity];
        this.passes = new int[capacity];
        this.mask = capacity - 1;
    }

    /** Forgets every descriptor added before. */
    void newPass() {
        if (++pass == 0) {
            // After 2^32 passes the stamps would repeat: clear them once.
            Arrays.fill(passes, 0);
            pass = 1;
        }
    }

    boolean contains(int fd) {
        for (int i = hash(fd); ; i = (i + 1) & mask) {
            if (passes[i] != pass) {
                return false;
            }
            if (fds[i] == fd) {
                return true;
            }
        }
    }

    /** Adds {@code fd}; returns false when it was there already. */
    boolean add(int fd) {
        for (int i = hash(fd); ; i = (i + 1) & mask) {
            if (passes[i] != pass) {
                passes[i] = pass;
                fds[i] = fd;
                return true;
            }
            if (fds[i] == fd) {
                return false;
            }
        }
    }

    private int hash(int fd) {
        return (fd * 0x9E3779B9) >>> 7 & mask;
    }
}
