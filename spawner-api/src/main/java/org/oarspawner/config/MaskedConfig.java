package org.oarspawner.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configuration as the service resolved it (file plus OARSPAWNER_* overrides), as YAML an operator may paste
 * anywhere: every inline secret is masked. The service's own keys name files for secrets (hmacSecretFile, key,
 * authTokenFile...), and a file's path shows; but a value under a secret-sounding key that is not a plain path
 * (a token pasted inline, a key that belongs in a file, any such key the service does not even read) is masked,
 * and so is the password of a URL (https://user:password@host).
 */
public final class MaskedConfig {
    public static final String MASK = "********";
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(secret|token|passw|passphrase|credential|private|key|pem|cookie|auth).*");
    /** Keys the service reads as the path of a file (or of files, userKeys with {login}), not as the secret itself. */
    private static final Set<String> PATH_NAMES = Set.of("key", "pem", "userKeys", "certificate", "knownHosts");
    private static final Pattern PLAIN_PATH = Pattern.compile("^/[^\\s]*$");
    private static final Pattern URL_PASSWORD = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\\s]*):[^/@\\s]*@");

    private MaskedConfig() {
    }

    /** The resolved configuration under root as YAML, secrets masked. */
    public static String yaml(ConfigNode root) {
        try {
            return new ObjectMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build()).writeValueAsString(masked(null, root.json()));
        } catch (JsonProcessingException e) {
            throw new ConfigException("cannot print the configuration: " + e.getOriginalMessage());
        }
    }

    static JsonNode masked(String name, JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            n.fields().forEachRemaining(e -> out.set(e.getKey(), masked(e.getKey(), e.getValue())));
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            n.forEach(v -> out.add(masked(name, v)));
            return out;
        }
        if (n.isNull() || name == null) {
            return n;
        }
        String text = n.asText();
        if (secret(name) && !(isPathKey(name) && PLAIN_PATH.matcher(text).matches())) {
            return TextNode.valueOf(MASK);
        }
        return n.isTextual() ? TextNode.valueOf(URL_PASSWORD.matcher(text).replaceFirst("$1:" + MASK + "@")) : n;
    }

    private static boolean secret(String name) {
        return SECRET_NAME.matcher(name).matches();
    }

    private static boolean isPathKey(String name) {
        return name.endsWith("File") || PATH_NAMES.contains(name);
    }
}
