package dev.keel.wal;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps Chronicle Bytes (behind the {@code BytesStore} overloads) from printing advice that does
 * not apply to Keel, without changing anything a program configured itself. Installed once,
 * when the first log is opened, before Keel or its user touches Chronicle:
 *
 * <ul>
 *   <li>Chronicle's reflection-based ByteBuffer cleaner (its fallback for Java 8) warns through
 *       java.util.logging, at class load, asking for {@code --illegal-access=permit}, a flag Java 17
 *       no longer has; Java 17 uses its other cleaner, and Keel never asks Chronicle to clean a
 *       buffer. That one logger is set to SEVERE, unless a level was configured for it.</li>
 *   <li>Chronicle logs through SLF4J. With no SLF4J provider on the class path (Keel brings none),
 *       SLF4J prints a "no providers" warning on first use and then drops every message, Chronicle's
 *       ERROR about command-line arguments among them. Only then, and only when the property is
 *       unset, {@code slf4j.internal.verbosity} is set to ERROR, which silences SLF4J's own warning.
 *       A program with a provider sees Chronicle's messages in its own logging (README says how to
 *       turn them off there).</li>
 * </ul>
 */
final class ChronicleQuiet {
    static final String CLEANER_LOGGER = "net.openhft.chronicle.core.internal.cleaner.ReflectionBasedByteBufferCleanerService";
    static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";
    private static final String SLF4J_PROVIDERS = "META-INF/services/org.slf4j.spi.SLF4JServiceProvider";
    /** java.util.logging holds loggers weakly: a level set on one nobody references would be lost. */
    private static Logger cleanerLogger;

    private ChronicleQuiet() {
    }

    static synchronized void install() {
        if (cleanerLogger != null) {
            return;
        }
        cleanerLogger = Logger.getLogger(CLEANER_LOGGER);
        if (cleanerLogger.getLevel() == null) {
            cleanerLogger.setLevel(Level.SEVERE);
        }
        ClassLoader loader = ChronicleQuiet.class.getClassLoader();
        if (System.getProperty(SLF4J_VERBOSITY) == null && loader != null && loader.getResource(SLF4J_PROVIDERS) == null) {
            System.setProperty(SLF4J_VERBOSITY, "ERROR");
        }
    }
}
