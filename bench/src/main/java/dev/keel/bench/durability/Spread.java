package dev.keel.bench.durability;

import java.util.Arrays;

/**
 * The median of a few values (the ratios of interleaved rounds) and their spread, lowest to
 * highest: the median decides a comparison, so one round that a drifting virtual disk or a
 * neighbour's burst spoiled does not, and the spread says how far the rounds disagreed.
 *
 * @param median the middle value (the mean of the two middle ones for an even count)
 * @param min the lowest value
 * @param max the highest value
 */
public record Spread(double median, double min, double max) {
    public Spread {
        assert min <= median && median <= max : min + " <= " + median + " <= " + max;
    }

    /** The median and spread of {@code values}; NaN values (a round with no reference) are left out. Null when none is left. */
    public static Spread of(double... values) {
        double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        int mid = v.length / 2;
        double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
        return new Spread(median, v[0], v[v.length - 1]);
    }

    /** {@code max - min} relative to the median: 0.1 means the rounds spanned 10% of the median. */
    public double relativeWidth() {
        return median == 0 ? 0 : (max - min) / median;
    }
}
