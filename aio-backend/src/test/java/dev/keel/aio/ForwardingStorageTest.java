package dev.keel.aio;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every abstract Storage call made on a forwarding storage reaches its delegate, with the same arguments. */
class ForwardingStorageTest {
    @Test
    void everyCallReachesTheDelegateWithItsArguments() throws Exception {
        List<String> seen = new ArrayList<>();
        Storage recorder = (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
            (proxy, method, args) -> {
                seen.add(method.getName() + Arrays.toString(args));
                Class<?> r = method.getReturnType();
                return r == boolean.class ? Boolean.FALSE : null;
            });
        Storage forwarding = new ForwardingStorage(recorder) {
        };
        List<String> expected = new ArrayList<>();
        for (Method m : Storage.class.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                Class<?> t = m.getParameterTypes()[i];
                args[i] = t == long.class ? Long.valueOf(1000L + i) : null;
            }
            expected.add(m.getName() + Arrays.toString(args));
            m.invoke(forwarding, args);
        }
        assertEquals(expected, seen);
    }
}
