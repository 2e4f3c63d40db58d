package dev.keel.wal.crash;

/**
 * Which 512-byte sectors of one write reached the disk: sectors are counted from the write's
 * first byte's sector (file offset / 512), so a write that starts mid-sector has a first partial
 * sector. A write is torn only at sector boundaries; each sector lands whole or not at all.
 */
record SectorMask(long fromSector, long toSector) {
    /** The whole write. */
    static final SectorMask ALL = new SectorMask(Long.MIN_VALUE, Long.MAX_VALUE);

    /** The sectors of the write before sector {@code boundary} (absolute sector number). */
    static SectorMask before(long boundary) {
        return new SectorMask(Long.MIN_VALUE, boundary);
    }

    /** The sectors of the write from {@code boundary} on: a hole before later bytes. */
    static SectorMask from(long boundary) {
        return new SectorMask(boundary, Long.MAX_VALUE);
    }

    boolean keeps(long fileOffset) {
        long sector = fileOffset / DiskModel.SECTOR_BYTES;
        return sector >= fromSector && sector < toSector;
    }
}
