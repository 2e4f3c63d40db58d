package dev.keel.wal.crash;

import java.util.Arrays;

/** One file's bytes while a crash state is built: writes extend it, a truncate sets its size. */
final class FileImage {
    private byte[] bytes;
    private int size;

    FileImage(byte[] initial) {
        this.bytes = initial.clone();
        this.size = initial.length;
    }

    void apply(DiskModel.DataOp op, SectorMask mask) {
        if (op.isTruncate()) {
            resize((int) op.offset);
            return;
        }
        int from = (int) op.offset;
        for (int i = 0; i < op.bytes.length; ) {
            long at = from + (long) i;
            int sectorEnd = (int) Math.min(op.bytes.length, (at / DiskModel.SECTOR_BYTES + 1) * DiskModel.SECTOR_BYTES - from);
            if (mask.keeps(at)) {
                if (from + sectorEnd > size) {
                    resize(from + sectorEnd);
                }
                System.arraycopy(op.bytes, i, bytes, (int) at, sectorEnd - i);
            }
            i = sectorEnd;
        }
    }

    private void resize(int newSize) {
        if (newSize > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(newSize, bytes.length * 2));
        } else if (newSize < size) {
            Arrays.fill(bytes, newSize, size, (byte) 0);
        }
        size = newSize;
    }

    byte[] bytes() {
        return Arrays.copyOf(bytes, size);
    }
}
