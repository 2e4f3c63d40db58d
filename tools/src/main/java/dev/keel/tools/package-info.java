/**
 * The {@code keel} command line: {@code stat}, {@code verify}, {@code dump}, {@code recover} and
 * {@code demo}. It depends on the log and picocli only; what a valid log is, it asks the recovery
 * module's inspector, so it and {@code Wal.open} cannot disagree about a damaged log.
 */
package dev.keel.tools;
