package io.cloaca.python;

import org.graalvm.polyglot.HostAccess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The source files of the {@code cloaca} Python package, read from the class path on demand: the
 * importer that {@link PythonRuntime} installs asks for a submodule only when Python first imports it,
 * so the modules a script does not use cost nothing at start-up.
 */
public final class PackageSources {

    /** The package's folder on the class path. */
    static final String FOLDER = "/cloaca/";
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * The source of module {@code name} of the package ({@code "__init__"}, {@code "_runner"}...), or
     * null if the package has no such module (the import then fails with ModuleNotFoundError).
     */
    @HostAccess.Export
    public String read(String name) {
        if (name == null || !MODULE_NAME.matcher(name).matches()) {
            return null;
        }
        try (InputStream in = PackageSources.class.getResourceAsStream(FOLDER + name + ".py")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
