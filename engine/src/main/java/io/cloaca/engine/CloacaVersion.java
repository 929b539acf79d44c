package io.cloaca.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of cloaca-jvm, as the Maven build stamped it: {@code cloaca --version} and the Python
 * module's {@code __version__} both report it.
 */
public final class CloacaVersion {

    private static final String RESOURCE = "version.properties";
    private static final String VERSION = load();

    private CloacaVersion() {
    }

    /** The Maven project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = CloacaVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The engine jar lacks " + RESOURCE + ": build it with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
