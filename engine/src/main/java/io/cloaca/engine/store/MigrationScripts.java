package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * One dialect's migration scripts, read from the classpath once per process and handed to Flyway as
 * its {@link ResourceProvider}. Without it every {@code migrate} scans the classpath again, which is
 * most of Flyway's cost when a thousand tenant schemas are provisioned in one process. Also the plain
 * text of the scripts, in version order, for benchmarks that run the same DDL without Flyway.
 */
public final class MigrationScripts implements ResourceProvider {

    private static final Map<Dialect, MigrationScripts> LOADED = new EnumMap<>(Dialect.class);

    /** File name to script, in name order; Flyway orders versions itself. */
    private final Map<String, Script> scripts;

    private MigrationScripts(Map<String, Script> scripts) {
        this.scripts = scripts;
    }

    /**
     * The scripts of {@code dialect}, read on first use.
     *
     * @throws CloacaException STORAGE when the migration folder is missing or unreadable (a broken build)
     */
    public static synchronized MigrationScripts of(Dialect dialect) {
        return LOADED.computeIfAbsent(dialect, d -> load(d.migrationFolderPath()));
    }

    /** A versioned script: its version (the digits after {@code V}) and its SQL. */
    public record Versioned(int version, String sql) {
    }

    /** The versioned scripts ({@code V<n>__name.sql}), in version order. */
    public List<Versioned> versioned() {
        return scripts.values().stream()
                .filter(s -> s.getFilename().matches("V[0-9]+__.*\\.sql"))
                .map(s -> new Versioned(Integer.parseInt(s.getFilename().substring(1, s.getFilename().indexOf("__"))), s.text))
                .sorted(Comparator.comparingInt(Versioned::version))
                .toList();
    }

    @Override
    public LoadableResource getResource(String name) {
        return scripts.get(name.substring(name.lastIndexOf('/') + 1));
    }

    @Override
    public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
        List<LoadableResource> matching = new ArrayList<>();
        for (Script script : scripts.values()) {
            String name = script.getFilename();
            if (name.startsWith(prefix) && Stream.of(suffixes).anyMatch(name::endsWith)) {
                matching.add(script);
            }
        }
        return matching;
    }

    private static MigrationScripts load(String folder) {
        Map<String, Script> found = new TreeMap<>();
        try {
            Enumeration<URL> roots = MigrationScripts.class.getClassLoader().getResources(folder);
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                if ("jar".equals(root.getProtocol())) {
                    readJar(root, folder, found);
                } else if ("file".equals(root.getProtocol())) {
                    readDirectory(Path.of(root.toURI()), folder, found);
                }
            }
        } catch (IOException | URISyntaxException | UncheckedIOException e) {
            throw CloacaException.storage("Cannot read the migration scripts in " + folder + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw CloacaException.storage("No migration scripts found in classpath folder " + folder, null);
        }
        return new MigrationScripts(found);
    }

    private static void readJar(URL root, String folder, Map<String, Script> found) throws IOException {
        JarURLConnection connection = (JarURLConnection) root.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!entry.isDirectory() && name.startsWith(folder + "/") && name.indexOf('/', folder.length() + 1) < 0) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        add(found, folder, name.substring(folder.length() + 1), in.readAllBytes());
                    }
                }
            }
        }
    }

    private static void readDirectory(Path directory, String folder, Map<String, Script> found) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                add(found, folder, file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
    }

    private static void add(Map<String, Script> found, String folder, String name, byte[] bytes) {
        // The first copy on the classpath wins, as with Flyway's own scanner.
        found.putIfAbsent(name, new Script(folder + "/" + name, name, new String(bytes, StandardCharsets.UTF_8)));
    }

    /** One script held in memory: what Flyway reads, parses and checksums. */
    private static final class Script extends LoadableResource {
        private final String path;
        private final String name;
        private final String text;

        Script(String path, String name, String text) {
            this.path = path;
            this.name = name;
            this.text = text;
        }

        @Override
        public Reader read() {
            return new StringReader(text);
        }

        @Override
        public String getAbsolutePath() {
            return path;
        }

        @Override
        public String getAbsolutePathOnDisk() {
            return path;
        }

        @Override
        public String getFilename() {
            return name;
        }

        @Override
        public String getRelativePath() {
            return name;
        }
    }
}
