package dev.keel.aio;

import dev.keel.aio.threads.ThreadsBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backends are passed as instances: the built-in list is fixed, a caller's own backend is used as given. */
class BackendInstanceTest {
    @Test
    void theBuiltInListIsExactlyTheFourRealBackendsBestFirst() {
        assertEquals(List.of("io_uring", "linux-aio", "posix", "threads"), Aio.backends().stream().map(AioBackend::name).toList());
    }

    @Test
    void anInstancePassedInTheOptionsIsTheOneThatOpensTheContext() throws Exception {
        FaultInjectingBackend faulty = new FaultInjectingBackend("faulty", new ThreadsBackend());
        assertSame(faulty, Aio.choose(AioOptions.defaults().backend(faulty).backend()));
        try (AioContext ctx = Aio.open(AioOptions.defaults().backend(faulty))) {
            assertEquals("threads", ctx.backendName());
        }
        assertEquals(4, Aio.backends().size(), "using an instance registers nothing");
    }

    @Test
    void anUnknownNameIsRefusedNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AioOptions.defaults().backend("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("threads"), e.getMessage());
    }
}
