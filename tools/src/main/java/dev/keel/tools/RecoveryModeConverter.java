package dev.keel.tools;

import dev.keel.recovery.RecoveryMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads --mode: RocksDB's names, in any case, with '-' for '_' (point-in-time). A bad name is a
 * usage error that lists the valid ones, so nobody has to look them up.
 */
final class RecoveryModeConverter implements ITypeConverter<RecoveryMode> {
    static final String VALID = Arrays.stream(RecoveryMode.values()).map(Enum::name).collect(Collectors.joining(", "));

    @Override
    public RecoveryMode convert(String value) {
        String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (RecoveryMode m : RecoveryMode.values()) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new TypeConversionException("unknown recovery mode '" + value + "': valid modes are " + VALID);
    }
}
