package dev.keel.aio;

/**
 * What a context accepts.
 *
 * @param maxInFlight requests that may be submitted and not yet delivered
 * @param directAlignmentBytes the alignment of buffer address, offset and length for DIRECT files
 */
public record AioLimits(int maxInFlight, int directAlignmentBytes) {
    public AioLimits {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight=" + maxInFlight + " must be >= 1");
        }
        if (Integer.bitCount(directAlignmentBytes) != 1) {
            throw new IllegalArgumentException("directAlignmentBytes=" + directAlignmentBytes + " must be a power of two");
        }
    }
}
