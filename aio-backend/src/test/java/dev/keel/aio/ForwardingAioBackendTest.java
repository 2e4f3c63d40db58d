package dev.keel.aio;

import dev.keel.aio.threads.ThreadsBackend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A wrapping backend goes by its own name, hands out its wrap of the delegate's contexts, and runs where the delegate does. */
class ForwardingAioBackendTest {
    /** A storage that is only compared by identity here. */
    private static final Storage MODEL = (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(),
        new Class<?>[] {Storage.class}, (proxy, method, args) -> {
            throw new UnsupportedOperationException(method.getName());
        });

    /** A delegate that cannot run here, for {@code unavailableReason}, and keeps its files in {@code storage}. */
    private record Unavailable(String unavailableReason, Storage storage) implements AioBackend {
        @Override
        public String name() {
            return "inner";
        }

        @Override
        public AioContext open(AioOptions options) {
            throw new AssertionError("never opened");
        }
    }

    @Test
    void itsNameIsItsOwnWhileAvailabilityAndStorageAreTheDelegates() {
        ForwardingAioBackend wrapper = new ForwardingAioBackend("outer", new Unavailable("inner: not on this machine (test)", MODEL)) {
            @Override
            protected AioContext wrap(AioContext opened) {
                return opened;
            }
        };
        assertEquals("outer", wrapper.name());
        assertEquals("inner: not on this machine (test)", wrapper.unavailableReason());
        assertSame(MODEL, wrapper.storage());
    }

    @Test
    void openHandsOutItsWrapOfTheContextTheDelegateOpened() throws Exception {
        List<AioContext> opened = new ArrayList<>();
        ForwardingAioBackend wrapper = new ForwardingAioBackend("outer", new ThreadsBackend()) {
            @Override
            protected AioContext wrap(AioContext context) {
                opened.add(context);
                return new ForwardingAioContext(context) {
                    @Override
                    public String backendName() {
                        return "wrapped " + delegate.backendName();
                    }
                };
            }
        };
        try (AioContext ctx = Aio.open(AioOptions.defaults().backend(wrapper).maxInFlight(4))) {
            assertEquals("wrapped threads", ctx.backendName());
            assertEquals(1, opened.size());
            assertEquals("threads", opened.get(0).backendName());
            assertEquals(opened.get(0).limits().maxInFlight(), ctx.limits().maxInFlight());
        }
    }

    @Test
    void aMissingNameOrDelegateIsRefusedAtConstruction() {
        assertThrows(NullPointerException.class, () -> new FaultInjectingBackend(null, new ThreadsBackend()));
        assertThrows(NullPointerException.class, () -> new FaultInjectingBackend("faulty", null));
    }
}
