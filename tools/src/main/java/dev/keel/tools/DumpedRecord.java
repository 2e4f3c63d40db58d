package dev.keel.tools;

import java.nio.file.Path;

/**
 * One record as {@code keel dump} prints it. Only records whose frame checks (length, CRC32C,
 * segment salt) are dumped, as only those are returned by a reader: {@code crc: valid} always.
 *
 * @param lsn the LSN its frame header carries
 * @param segmentIndex the segment that holds it
 * @param segment the segment file
 * @param offsetBytes the frame's offset in the file
 * @param lengthBytes the payload length its header claims
 * @param payload the payload bytes
 */
record DumpedRecord(long lsn, long segmentIndex, Path segment, long offsetBytes, int lengthBytes, byte[] payload) {

    /** "lsn: 7 segment: 1 offset: 4096 length: 100 crc: valid", the fields text and hex print first. */
    String fields() {
        return "lsn: " + lsn + " segment: " + segmentIndex + " offset: " + offsetBytes + " length: " + lengthBytes
            + " crc: valid";
    }
}
