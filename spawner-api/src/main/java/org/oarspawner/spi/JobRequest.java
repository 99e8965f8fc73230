package org.oarspawner.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A notebook job to submit, every field checked against its grammar on construction.
 * The command and environment may hold any text: they never reach a shell unquoted, and the
 * environment (which holds the hub's API token) travels only in a 0600 file.
 */
public record JobRequest(
        SpawnKey key,
        String cluster,
        String login,
        int nodes,
        int cores,
        int gpus,
        Optional<String> gpuModel,
        Duration walltime,
        Optional<String> project,
        List<String> types,
        Map<String, String> properties,
        List<String> command,
        Map<String, String> environment) {

    public static final Duration MAX_WALLTIME = Duration.ofDays(30);
    static final int MAX_ARG_LENGTH = 4096;
    static final int MAX_ARGS = 256;
    static final int MAX_ENV_VALUE_LENGTH = 65536;

    public JobRequest {
        Objects.requireNonNull(key, "key");
        Grammar.CLUSTER.check("cluster", cluster);
        Grammar.LOGIN.check("login", login);
        range("nodes", nodes, 1, 64);
        range("cores", cores, 0, 4096);
        range("gpus", gpus, 0, 64);
        if (cores == 0 && gpus == 0) {
            throw new InvalidFieldException("cores", "ask for at least one core or one GPU");
        }
        gpuModel = Objects.requireNonNullElse(gpuModel, Optional.<String>empty());
        gpuModel.ifPresent(m -> Grammar.GPU_MODEL.check("gpuModel", m));
        if (gpuModel.isPresent() && gpus == 0) {
            throw new InvalidFieldException("gpuModel", "needs gpus of at least 1");
        }
        if (walltime == null || walltime.isNegative() || walltime.isZero() || walltime.compareTo(MAX_WALLTIME) > 0) {
            throw new InvalidFieldException("walltime", "must be between 1 second and 30 days, got " + walltime);
        }
        if (walltime.getNano() != 0) {
            throw new InvalidFieldException("walltime", "must be whole seconds");
        }
        project = Objects.requireNonNullElse(project, Optional.<String>empty());
        project.ifPresent(p -> Grammar.PROJECT.check("project", p));
        types = List.copyOf(Objects.requireNonNullElse(types, List.of()));
        for (String t : types) {
            Grammar.JOB_TYPE.check("types", t);
        }
        properties = Map.copyOf(Objects.requireNonNullElse(properties, Map.of()));
        properties.forEach((name, value) -> {
            Grammar.PROPERTY_NAME.check("properties", name);
            Grammar.PROPERTY_VALUE.check("properties." + name, value);
        });
        command = List.copyOf(Objects.requireNonNullElse(command, List.of()));
        if (command.isEmpty() || command.size() > MAX_ARGS) {
            throw new InvalidFieldException("command", "must have 1 to " + MAX_ARGS + " arguments");
        }
        for (String arg : command) {
            printable("command", arg, MAX_ARG_LENGTH, false);
        }
        if (command.get(0).isEmpty()) {
            throw new InvalidFieldException("command", "the program name is empty");
        }
        environment = Map.copyOf(Objects.requireNonNullElse(environment, Map.of()));
        environment.forEach((name, value) -> {
            Grammar.ENV_NAME.check("environment", name);
            printable("environment." + name, value, MAX_ENV_VALUE_LENGTH, true);
        });
    }

    private static void range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidFieldException(field, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** Free text may hold anything printable (it is quoted), but no NUL or other control character. */
    private static void printable(String field, String value, int maxLength, boolean newlinesAllowed) {
        if (value == null) {
            throw new InvalidFieldException(field, "is required");
        }
        if (value.length() > maxLength) {
            throw new InvalidFieldException(field, "is longer than " + maxLength + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && !(newlinesAllowed && (c == '\n' || c == '\t'))) || c == 0x7f) {
                throw new InvalidFieldException(field, "holds a control character (code " + (int) c + ")");
            }
        }
    }

    public static Builder builder(SpawnKey key, String cluster, String login) {
        return new Builder(key, cluster, login);
    }

    public static final class Builder {
        private final SpawnKey key;
        private final String cluster;
        private final String login;
        private int nodes = 1;
        private int cores = 1;
        private int gpus;
        private String gpuModel;
        private Duration walltime = Duration.ofHours(1);
        private String project;
        private final List<String> types = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private List<String> command = List.of();
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder(SpawnKey key, String cluster, String login) {
            this.key = key;
            this.cluster = cluster;
            this.login = login;
        }

        public Builder nodes(int n) { nodes = n; return this; }
        public Builder cores(int n) { cores = n; return this; }
        public Builder gpus(int n) { gpus = n; return this; }
        public Builder gpuModel(String m) { gpuModel = m; return this; }
        public Builder walltime(Duration d) { walltime = d; return this; }
        public Builder project(String p) { project = p; return this; }
        public Builder type(String t) { types.add(t); return this; }
        public Builder property(String name, String value) { properties.put(name, value); return this; }
        public Builder command(List<String> c) { command = c; return this; }
        public Builder command(String... c) { command = List.of(c); return this; }
        public Builder env(String name, String value) { environment.put(name, value); return this; }

        public JobRequest build() {
            return new JobRequest(key, cluster, login, nodes, cores, gpus, Optional.ofNullable(gpuModel), walltime,
                    Optional.ofNullable(project), types, properties, command, environment);
        }
    }
}
