package dev.keel.recovery;

import java.nio.file.Path;

/**
 * One damaged range of a segment file.
 *
 * @param segment the segment file
 * @param offsetBytes where the damage starts in the file
 * @param lengthBytes how far it reaches (to the end of the file's used part when unknown)
 * @param kind the row of {@link DamageTable} it matched
 * @param detail what exactly was wrong, for people
 */
public record Damage(Path segment, long offsetBytes, long lengthBytes, DamageKind kind, String detail) {
    @Override
    public String toString() {
        return segment.getFileName() + " @" + offsetBytes + "+" + lengthBytes + ": " + kind + " (" + detail + ")";
    }
}
