package dev.keel.tools;

import java.nio.file.Path;

/**
 * One record as {@code keel dump} prints it.
 *
 * @param lsn the LSN its frame header carries
 * @param segmentIndex the segment that holds it
 * @param segment the segment file
 * @param offsetBytes the frame's offset in the file
 * @param lengthBytes the payload length its header claims
 * @param crcValid false for the damaged frame a walk stopped at (its header readable, its checksum wrong)
 * @param payload the payload bytes as found: shorter than {@code lengthBytes} when the file ends first
 */
record DumpedRecord(long lsn, long segmentIndex, Path segment, long offsetBytes, int lengthBytes, boolean crcValid,
                    byte[] payload) {

    /** "lsn: 7 segment: 1 offset: 4096 length: 100 crc: valid", the fields text and hex print first. */
    String fields() {
        return "lsn: " + lsn + " segment: " + segmentIndex + " offset: " + offsetBytes + " length: " + lengthBytes
            + " crc: " + (crcValid ? "valid" : "INVALID");
    }
}
