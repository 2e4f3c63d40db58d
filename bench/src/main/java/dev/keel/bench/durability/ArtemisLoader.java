package dev.keel.bench.durability;

import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Loads Artemis's journal so that its ASYNCIO factory finds its native library. That library
 * ({@code libartemis-native-64.so}, the bridge to libaio) ships inside activemq-artemis-native's
 * jar, and Artemis loads it with {@code System.loadLibrary}, which searches java.library.path,
 * read once when the JVM starts; a library inside a jar is on no path. A class loader may answer
 * that search itself ({@link ClassLoader#findLibrary}), so this one extracts the library to a
 * temporary directory and loads Artemis's classes (and the adapter in
 * {@code dev.keel.bench.durability.artemis}) child-first, answering their search with the
 * extracted file. Everything else (the JDK, netty, Keel's bench interfaces) comes from the
 * parent, so the adapter is used through {@link DurableLog} like every other system.
 *
 * <p>The library needs libaio's shared library ({@code libaio.so.1}, Debian package libaio1);
 * {@link #asyncioUnavailable} says when it or the extraction is missing, so a row can say why.
 */
final class ArtemisLoader extends URLClassLoader {
    private static final String NATIVE_RESOURCE = "lib/linux-x86_64/libartemis-native-64.so";
    private static final List<String> CHILD_FIRST = List.of("org.apache.activemq.artemis.", "dev.keel.bench.durability.artemis.");
    /** One per process: a native library can belong to one class loader only. */
    private static ArtemisLoader instance;

    private final Path nativeDir;

    private ArtemisLoader(URL[] urls, ClassLoader parent, Path nativeDir) {
        super("artemis", urls, parent);
        this.nativeDir = nativeDir;
    }

    static synchronized ArtemisLoader get() throws IOException {
        if (instance == null) {
            ClassLoader parent = ArtemisLoader.class.getClassLoader();
            Set<URL> urls = new LinkedHashSet<>();
            for (String anchor : List.of("dev.keel.bench.durability.artemis.ArtemisJournal",
                "org.apache.activemq.artemis.core.journal.impl.JournalImpl", "org.apache.activemq.artemis.ArtemisConstants",
                "org.apache.activemq.artemis.nativo.jlibaio.LibaioContext")) {
                urls.add(codeSource(anchor, parent));
            }
            instance = new ArtemisLoader(urls.toArray(URL[]::new), parent, extractNative(parent));
        }
        return instance;
    }

    private static URL codeSource(String className, ClassLoader parent) throws IOException {
        try {
            return Class.forName(className, false, parent).getProtectionDomain().getCodeSource().getLocation();
        } catch (ClassNotFoundException e) {
            throw new IOException("Artemis's journal is not on the class path: " + className + " is missing", e);
        }
    }

    /** Copies the native library out of its jar; null when the jar does not carry this platform's. */
    private static Path extractNative(ClassLoader parent) throws IOException {
        try (InputStream in = parent.getResourceAsStream(NATIVE_RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path dir = Files.createTempDirectory("keel-artemis-native");
            Path lib = dir.resolve(NATIVE_RESOURCE.substring(NATIVE_RESOURCE.lastIndexOf('/') + 1));
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            // Deleted in reverse order of registration: the file, then its directory.
            dir.toFile().deleteOnExit();
            lib.toFile().deleteOnExit();
            return dir;
        }
    }

    /** Why the ASYNCIO factory cannot run here, or null when its libraries are in place. */
    String asyncioUnavailable() {
        if (nativeDir == null) {
            return "activemq-artemis-native's jar carries no " + NATIVE_RESOURCE;
        }
        try {
            NativeLibrary.getInstance("libaio.so.1");
        } catch (UnsatisfiedLinkError e) {
            return "libaio.so.1 is not installed (Debian: apt-get install libaio1)";
        }
        return null;
    }

    @Override
    protected String findLibrary(String name) {
        if (nativeDir != null) {
            Path lib = nativeDir.resolve(System.mapLibraryName(name));
            if (Files.exists(lib)) {
                return lib.toString();
            }
        }
        return super.findLibrary(name);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (CHILD_FIRST.stream().noneMatch(name::startsWith)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = findClass(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    /** The adapter class, loaded here. */
    Class<?> adapter() throws IOException {
        try {
            return loadClass("dev.keel.bench.durability.artemis.ArtemisJournal");
        } catch (ClassNotFoundException e) {
            throw new IOException("the Artemis adapter is missing from " + new ArrayList<>(List.of(getURLs())), e);
        }
    }
}
