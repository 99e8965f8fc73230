package org.oarspawner.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of the YAML configuration, with typed getters whose errors name the full key. Environment
 * variables override keys: {@code OARSPAWNER_POLLTICK=2s}, {@code OARSPAWNER_CLUSTERS__CPU__FRONTEND__HOST=f1};
 * segments are separated by a double underscore and match keys ignoring case, '_' and '-'.
 */
public final class ConfigNode {
    public static final String ENV_PREFIX = "OARSPAWNER_";
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m|h|d)$");

    private final String path;
    private final JsonNode node;

    private ConfigNode(String path, JsonNode node) {
        this.path = path;
        this.node = node;
    }

    public static ConfigNode load(Path file, Map<String, String> env) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration " + file + ": " + e.getMessage());
        }
        return of(root == null || root.isNull() ? JsonNodeFactory.instance.objectNode() : root, env);
    }

    public static ConfigNode of(JsonNode root, Map<String, String> env) {
        if (!root.isObject()) {
            throw new ConfigException("the configuration must be a YAML mapping");
        }
        env.entrySet().stream().filter(e -> e.getKey().startsWith(ENV_PREFIX)).sorted(Map.Entry.comparingByKey())
                .forEach(e -> override((ObjectNode) root, e.getKey(), e.getValue()));
        return new ConfigNode("", root);
    }

    private static void override(ObjectNode root, String variable, String value) {
        String[] segments = variable.substring(ENV_PREFIX.length()).split("__");
        ObjectNode at = root;
        for (int i = 0; i < segments.length; i++) {
            String name = matchKey(at, segments[i]);
            if (i == segments.length - 1) {
                at.put(name, value);
            } else {
                JsonNode next = at.get(name);
                if (next == null || !next.isObject()) {
                    next = at.putObject(name);
                }
                at = (ObjectNode) next;
            }
        }
    }

    private static String matchKey(ObjectNode at, String segment) {
        String wanted = normalize(segment);
        Iterator<String> names = at.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (normalize(n).equals(wanted)) {
                return n;
            }
        }
        // A key the file does not have: MAX_CHANNELS becomes maxChannels.
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char ch : segment.toLowerCase().toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                camel.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return camel.toString();
    }

    private static String normalize(String s) {
        return s.replace("_", "").replace("-", "").toLowerCase();
    }

    /** The YAML tree under this node, environment overrides applied (for {@link MaskedConfig}). */
    JsonNode json() {
        return node;
    }

    public String path() {
        return path.isEmpty() ? "(top level)" : path;
    }

    private String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    public boolean has(String name) {
        JsonNode n = node.get(name);
        return n != null && !n.isNull();
    }

    public ConfigNode child(String name) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            throw new ConfigException(key(name) + " is required");
        }
        if (!n.isObject()) {
            throw new ConfigException(key(name) + " must be a mapping");
        }
        return new ConfigNode(key(name), n);
    }

    public Optional<ConfigNode> optionalChild(String name) {
        return has(name) ? Optional.of(child(name)) : Optional.empty();
    }

    /** The entries of a mapping, in file order. */
    public Map<String, ConfigNode> children() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isObject()) {
                throw new ConfigException(key(e.getKey()) + " must be a mapping");
            }
            out.put(e.getKey(), new ConfigNode(key(e.getKey()), e.getValue()));
        });
        return out;
    }

    /** The keys of a mapping, in file order. */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** A list of single values; absent is empty. */
    public List<String> strings(String name) {
        if (!has(name)) {
            return List.of();
        }
        JsonNode n = node.get(name);
        if (!n.isArray()) {
            throw new ConfigException(key(name) + " must be a list");
        }
        List<String> out = new ArrayList<>();
        n.forEach(v -> out.add(v.asText()));
        return out;
    }

    public boolean bool(String name, boolean fallback) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) {
            return fallback;
        }
        return switch (v.get().strip().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key(name) + " must be true or false, got '" + v.get() + "'");
        };
    }

    public Optional<String> optionalString(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode n = node.get(name);
        if (!n.isValueNode()) {
            throw new ConfigException(key(name) + " must be a single value");
        }
        return Optional.of(n.asText());
    }

    public String string(String name) {
        return optionalString(name).orElseThrow(() -> new ConfigException(key(name) + " is required"));
    }

    public String string(String name, String fallback) {
        return optionalString(name).orElse(fallback);
    }

    public int integer(String name, int fallback, int min, int max) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int i = Integer.parseInt(v.get().strip());
            if (i < min || i > max) {
                throw new ConfigException(key(name) + " must be between " + min + " and " + max + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new ConfigException(key(name) + " must be a whole number, got '" + v.get() + "'");
        }
    }

    /** A duration such as 500ms, 5s, 10m, 4h or 1d. */
    public Duration duration(String name, Duration fallback, Duration min, Duration max) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(v.get().strip());
        if (!m.matches()) {
            throw new ConfigException(key(name) + " must be a duration like 500ms, 5s, 10m, 4h or 1d, got '" + v.get() + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(key(name) + " must be between " + min + " and " + max + ", got " + v.get());
        }
        return d;
    }

    public <E extends Enum<E>> E enumValue(String name, Class<E> type, E fallback) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) {
            return fallback;
        }
        String wanted = v.get().strip().replace('-', '_').toUpperCase();
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            allowed.add(e.name().toLowerCase().replace('_', '-'));
        }
        throw new ConfigException(key(name) + " must be one of " + allowed + ", got '" + v.get() + "'");
    }

    /** A file that must exist and be readable. */
    public Path readableFile(String name) {
        Path p = Path.of(string(name));
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new ConfigException(key(name) + ": no readable file at " + p);
        }
        return p;
    }

    /** The text of a file that must exist and be readable (a secret, a key): the one place that reads them. */
    public String fileText(String name) {
        try {
            return Files.readString(readableFile(name));
        } catch (java.io.IOException e) {
            throw error(name, "cannot be read: " + e.getMessage());
        }
    }

    /** Wraps another error with this node's key. */
    public ConfigException error(String name, String message) {
        return new ConfigException(key(name) + " " + message);
    }
}
