package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.DatabaseUrl.Endpoint;
import io.cloaca.engine.store.DatabaseUrl.Postgres;
import org.postgresql.PGProperty;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * libpq's URI syntax ({@code postgresql://[userspec@][hostspec][/dbname][?paramspec]}), checked piece by
 * piece so that each mistake gets its own message. Nothing of the user name or password is ever part of a
 * message.
 */
final class PostgresUrlParser {

    private static final String EXPECTED = "expected postgresql://user:password@host:port/database";

    /** libpq parameters that PgJDBC spells differently. */
    private static final Map<String, String> LIBPQ_NAMES = Map.of(
            "application_name", "ApplicationName",
            "connect_timeout", "connectTimeout",
            "keepalives", "tcpKeepAlive",
            "target_session_attrs", "targetServerType",
            "load_balance_hosts", "loadBalanceHosts",
            "gssencmode", "gssEncMode",
            "sslnegotiation", "sslNegotiation",
            "channel_binding", "channelBinding",
            "require_auth", "requireAuth");

    /** libpq values of translated parameters whose PgJDBC values differ. */
    private static final Map<String, Map<String, String>> LIBPQ_VALUES = Map.of(
            "keepalives", Map.of("1", "true", "0", "false"),
            // PgJDBC's "primary" checks transaction_read_only, which is what read-write means to libpq.
            "target_session_attrs", Map.of("any", "any", "read-write", "primary", "primary", "primary",
                    "read-only", "secondary", "standby", "secondary", "prefer-standby", "preferSecondary"),
            "load_balance_hosts", Map.of("disable", "false", "random", "true"));

    /** PgJDBC properties that the URL's own parts give. */
    private static final Set<String> LOCATION_PROPERTIES = Set.of("PGHOST", "PGPORT", "PGDBNAME");

    private final String shown;

    private PostgresUrlParser(String url) {
        this.shown = DatabaseUrl.redactAny(url);
    }

    /** Parses {@code url}, whose scheme and {@code ://} take its first {@code schemeLength} characters. */
    static Postgres parse(String url, int schemeLength) {
        return new PostgresUrlParser(url).parse(url.substring(schemeLength));
    }

    private Postgres parse(String rest) {
        int authorityEnd = indexOfAny(rest, "/?");
        String authority = rest.substring(0, authorityEnd);
        String tail = rest.substring(authorityEnd);
        int at = authority.lastIndexOf('@');
        if (at < 0 && tail.indexOf('@') >= 0) {
            // Most likely a password with a raw '/' or '?' that cut the authority short: echo none of it.
            throw invalid("'@' after the host; a user name or password containing '/', '?' or '@' must be "
                    + "percent-encoded (%2F, %3F, %40)");
        }
        String user = null;
        String password = null;
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            user = emptyToNull(decode(colon < 0 ? userInfo : userInfo.substring(0, colon), null));
            password = colon < 0 ? null : emptyToNull(decode(userInfo.substring(colon + 1), null));
        }
        List<Endpoint> endpoints = endpoints(authority.substring(at + 1));

        int queryStart = tail.indexOf('?');
        String path = queryStart < 0 ? tail : tail.substring(0, queryStart);
        String database = path.isEmpty() ? "" : decode(path.substring(1), "the database name");
        Map<String, String> parameters = new LinkedHashMap<>();
        String schema = null;
        if (queryStart >= 0) {
            for (String pair : tail.substring(queryStart + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), "a parameter name");
                if (eq <= 0) {
                    throw invalid("query parameter '" + name + "' has no '=value'");
                }
                String value = decode(pair.substring(eq + 1), name.equals("password") ? null : "parameter " + name);
                switch (name) {
                    case "schema", "currentSchema" -> schema = emptyToNull(value);
                    case "user" -> user = emptyToNull(value);
                    case "password" -> password = emptyToNull(value);
                    case "dbname" -> database = value;
                    default -> parameters.put(jdbcName(name), jdbcValue(name, value));
                }
            }
        }
        if (database.isEmpty() || database.contains("/")) {
            throw CloacaException.invalidArgument("Database name is required in URL path: '" + shown + "'; "
                    + EXPECTED);
        }
        String jdbcParameters = parameters.entrySet().stream()
                .map(e -> e.getKey() + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return new Postgres(endpoints, database, user, password, schema, jdbcParameters);
    }

    private List<Endpoint> endpoints(String hostList) {
        if (hostList.isEmpty()) {
            throw invalid("no host; " + EXPECTED);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String hostPort : hostList.split(",", -1)) {
            endpoints.add(endpoint(hostPort));
        }
        return endpoints;
    }

    private Endpoint endpoint(String hostPort) {
        String host;
        String port;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw invalid("IPv6 address '" + hostPort + "' has no closing ']'");
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw invalid("unexpected '" + after + "' after IPv6 address [" + host + "]");
            }
            if (!host.matches("[0-9A-Fa-f:.]+") || host.indexOf(':') < 0) {
                throw invalid("'[" + host + "]' is not an IPv6 address");
            }
            port = after.isEmpty() ? "" : after.substring(1);
        } else {
            int colon = hostPort.indexOf(':');
            if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
                throw invalid("host '" + hostPort + "' has several ':'; write an IPv6 address in brackets, "
                        + "e.g. [::1]:5432");
            }
            host = decode(colon < 0 ? hostPort : hostPort.substring(0, colon), "the host");
            port = colon < 0 ? "" : hostPort.substring(colon + 1);
            if (host.isEmpty()) {
                throw invalid("empty host" + (hostPort.isEmpty() ? " in the host list" : " before ':" + port + "'")
                        + "; " + EXPECTED);
            }
            if (host.startsWith("/")) {
                throw invalid("host '" + host + "' is a Unix-domain socket directory, which the JDBC driver "
                        + "cannot use; connect over TCP with host:port");
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw invalid("'" + host + "' is not a host name (letters, digits, '.', '-', '_') or an IP address");
            }
        }
        return new Endpoint(host, port(port));
    }

    private int port(String port) {
        if (port.isEmpty()) {
            return 5432;
        }
        int value = port.matches("[0-9]{1,5}") ? Integer.parseInt(port) : -1;
        if (value < 1 || value > 65_535) {
            throw invalid("invalid port '" + port + "', expected a number from 1 to 65535");
        }
        return value;
    }

    private static String jdbcName(String name) {
        String translated = LIBPQ_NAMES.get(name);
        if (translated != null) {
            return translated;
        }
        return PGProperty.forName(name) != null && !LOCATION_PROPERTIES.contains(name) ? name : null;
    }

    private String jdbcValue(String name, String value) {
        if (jdbcName(name) == null) {
            throw invalid("unknown parameter '" + name + "'; accepted: schema, libpq parameters (sslmode, "
                    + "connect_timeout, application_name, target_session_attrs, ...) and PgJDBC connection properties");
        }
        Map<String, String> values = LIBPQ_VALUES.get(name);
        if (values == null) {
            return value;
        }
        String translated = values.get(value);
        if (translated == null) {
            throw invalid("invalid " + name + " '" + value + "'; accepted: "
                    + values.keySet().stream().sorted().collect(Collectors.joining(", ")));
        }
        return translated;
    }

    /** Percent-decodes {@code s}; {@code what} names it in the error, null to keep it out (a credential). */
    private String decode(String s, String what) {
        try {
            return percentDecode(s);
        } catch (IllegalArgumentException e) {
            throw invalid(what == null ? "invalid percent-encoding in the user name or password"
                    : "invalid percent-encoding in " + what + " '" + s + "'");
        }
    }

    private CloacaException invalid(String what) {
        return CloacaException.invalidArgument("Invalid database URL '" + shown + "': " + what);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Percent-encodes a URL part (a space as {@code %20}, as libpq and PgJDBC both read it). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Percent-decoding as RFC 3986 has it ({@code +} stays a plus).
     *
     * @throws IllegalArgumentException for a malformed escape or bytes that are not UTF-8
     */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < s.length()) {
            int escape = s.indexOf('%', i);
            int plainEnd = escape < 0 ? s.length() : escape;
            bytes.writeBytes(s.substring(i, plainEnd).getBytes(StandardCharsets.UTF_8));
            if (escape < 0) {
                break;
            }
            int high = escape + 2 < s.length() ? Character.digit(s.charAt(escape + 1), 16) : -1;
            int low = escape + 2 < s.length() ? Character.digit(s.charAt(escape + 2), 16) : -1;
            if (high < 0 || low < 0) {
                throw new IllegalArgumentException("malformed percent-escape");
            }
            bytes.write(high * 16 + low);
            i = escape + 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8", e);
        }
    }
}
