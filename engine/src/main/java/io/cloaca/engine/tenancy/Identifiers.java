package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Validation of the PostgreSQL names a user gives (tenant schemas, tenant roles). Only names that need
 * no escaping pass: ASCII letters, digits and {@code _}, starting with a letter or {@code _}, at most
 * 63 bytes, and none that PostgreSQL reserves. They are still always double-quoted in SQL, so case is
 * kept as given.
 */
public final class Identifiers {

    /** PostgreSQL truncates longer identifiers silently; refusing them avoids two names colliding. */
    public static final int MAX_BYTES = 63;

    private static final Set<String> RESERVED_SCHEMAS = Set.of("public", "information_schema");
    private static final Set<String> RESERVED_ROLES = Set.of("public", "postgres", "none", "current_user",
            "session_user", "current_role", "system_user");

    private Identifiers() {
    }

    /**
     * Checks a schema name.
     *
     * @throws CloacaException (INVALID_ARGUMENT) with upstream's wording where it has one
     */
    public static String schema(String name) {
        return check("Schema name", name, RESERVED_SCHEMAS);
    }

    /** Checks a role (user) name; same rules as schemas, different reserved words. */
    public static String role(String name) {
        return check("Username", name, RESERVED_ROLES);
    }

    private static String check(String what, String name, Set<String> reserved) {
        if (name == null || name.isEmpty()) {
            throw CloacaException.invalidArgument(what + " cannot be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c < 128 && Character.isLetterOrDigit(c));
            if (!ok) {
                throw CloacaException.invalidArgument(what + " must contain only alphanumeric characters and underscores"
                        + " (ASCII letters, digits and _); '" + name + "' contains " + describe(c));
            }
        }
        if (Character.isDigit(name.charAt(0))) {
            throw CloacaException.invalidArgument(what + " must start with a letter or an underscore, got '" + name + "'");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw CloacaException.invalidArgument(what + " must be at most " + MAX_BYTES + " bytes, got " + bytes);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (reserved.contains(lower) || lower.startsWith("pg_")) {
            throw CloacaException.invalidArgument(what + " '" + name + "' is reserved by PostgreSQL; choose another name");
        }
        return name;
    }

    private static String describe(char c) {
        String codePoint = String.format("U+%04X", (int) c);
        if (Character.isWhitespace(c)) {
            return "whitespace (" + codePoint + ")";
        }
        return (c == '\'' ? "\"'\"" : "'" + c + "'") + " (" + codePoint + ")";
    }

    /** {@code "name"}: only for names that passed {@link #schema} or {@link #role}. */
    public static String quote(String validated) {
        return "\"" + validated + "\"";
    }
}
