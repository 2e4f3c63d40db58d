package dev.keel.bench.durability;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SpreadTest {
    @Test
    void theMedianOfAnOddCountIsTheMiddleValueAndOneWildRoundDoesNotMoveIt() {
        Spread s = Spread.of(1.02, 0.31, 0.98);
        assertEquals(0.98, s.median());
        assertEquals(0.31, s.min());
        assertEquals(1.02, s.max());
        assertEquals((1.02 - 0.31) / 0.98, s.relativeWidth(), 1e-12);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
        assertEquals(2.5, Spread.of(4, 1, 3, 2).median());
    }

    @Test
    void roundsWithoutAReferenceAreLeftOut() {
        Spread s = Spread.of(Double.NaN, 2, Double.NaN);
        assertEquals(2, s.median());
        assertEquals(2, s.min());
        assertNull(Spread.of(Double.NaN), "no round had a reference: no ratio");
    }
}
