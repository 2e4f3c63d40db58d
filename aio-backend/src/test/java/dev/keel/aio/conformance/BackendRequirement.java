package dev.keel.aio.conformance;

import org.junit.jupiter.api.Assumptions;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Decides what happens when a backend cannot run here. With {@code KEEL_REQUIRE_BACKENDS}
 * listing it (CI sets it), that is a failure: a machine that supports a backend must prove it.
 * Without, the test is skipped and JUnit prints the reason.
 */
public final class BackendRequirement {
    public static final String ENV = "KEEL_REQUIRE_BACKENDS";

    private BackendRequirement() {
    }

    public static Set<String> required() {
        String v = System.getenv(ENV);
        if (v == null || v.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** Fails or skips the calling test when {@code unavailableReason} is not null. */
    public static void check(String backend, String unavailableReason) {
        if (unavailableReason == null) {
            return;
        }
        if (required().contains(backend)) {
            fail("backend " + backend + " is required by " + ENV + " but cannot run: " + unavailableReason);
        }
        Assumptions.abort("backend " + backend + " cannot run on this machine: " + unavailableReason);
    }
}
