package dev.keel.tools;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** {@code keel -V}: the version Maven built, read from a resource it filtered (never typed twice). */
final class KeelVersion implements IVersionProvider {
    static final String RESOURCE = "keel-version.properties";

    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = KeelVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is missing from the classpath: the jar was not built by Maven");
            }
            p.load(in);
        }
        return new String[] {"keel " + p.getProperty("version"),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
