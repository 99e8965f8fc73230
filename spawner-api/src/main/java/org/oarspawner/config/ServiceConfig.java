package org.oarspawner.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.oarspawner.spi.Grammar;

/**
 * The service's configuration (one YAML file plus OARSPAWNER_* environment overrides), validated at start.
 * The {@code clusters} node is also read by the scheduler backend for its connection settings.
 */
public record ServiceConfig(String instance, String host, int port, Optional<Tls> tls, Jwt jwt, boolean openOps,
                            Duration pollTick, Duration startTimeout, LoginMapping logins,
                            Map<String, ClusterLimits> limits, Map<String, Profile> profiles, ConfigNode clusters,
                            Optional<Proxy> proxy, ZoneId timeZone, Spawns spawns, String jobNameKey,
                            FreeResources freeResources, Optional<SessionsConfig> sessions) {

    /**
     * How long ended spawns are remembered ({@code spawns.retention}, default 1 h: the hub's last poll, the user's
     * last look at the progress page), and how many at most ({@code spawns.maxEnded}, default 1000).
     */
    /**
     * The spawn form's free counts ({@code freeResources}): one oarnodes per cluster at most every {@code maxAge}
     * (default 30 s), and a form waits at most {@code formWait} (default 2 s) for a fresh one.
     */
    public record FreeResources(Duration maxAge, Duration formWait) {
    }

    public record Spawns(Duration retention, int maxEnded) {
    }

    /** configurable-http-proxy's API, whose routes the service keeps in step with the spawns. */
    public record Proxy(String apiUrl, String token, String baseUrl) {
    }

    public record Tls(Path certificate, Path key) {
    }

    /** A public key (PEM) for ES256 or RS256 tokens. */
    public record JwtKey(String algorithm, String pem) {
    }

    /** How tokens are checked; {@code maxLifetime} bounds exp - iat (or exp - now when a token has no iat). */
    public record Jwt(String issuer, List<String> audience, Duration leeway, List<JwtKey> publicKeys,
                      Optional<String> hmacSecret, Duration maxLifetime) {
    }

    public static ServiceConfig load(Path file, Map<String, String> env) {
        return from(ConfigNode.load(file, env));
    }

    public static ServiceConfig from(ConfigNode root) {
        String instance = root.string("instance", "hub");
        if (!Grammar.CLUSTER.matches(instance)) {
            throw root.error("instance", "must be " + Grammar.CLUSTER.description() + ", got '" + instance + "'");
        }
        ConfigNode http = root.child("http");
        Optional<Tls> tls = http.optionalChild("tls").map(t -> new Tls(t.readableFile("certificate"), t.readableFile("key")));
        ConfigNode clusters = root.child("clusters");
        Map<String, ClusterLimits> limits = new LinkedHashMap<>();
        clusters.children().forEach((name, c) -> limits.put(name, limits(name, c)));
        if (limits.isEmpty()) {
            throw new ConfigException("clusters must name at least one cluster");
        }
        Map<String, Profile> profiles = new LinkedHashMap<>();
        root.optionalChild("profiles").ifPresent(p -> p.children().forEach((name, n) -> profiles.put(name, profile(name, n, limits))));
        Jwt jwt = jwt(root.child("jwt"));
        return new ServiceConfig(instance, http.string("host", "127.0.0.1"), http.integer("port", 9081, 0, 65535), tls,
                jwt, http.bool("openOps", true),
                root.duration("pollTick", Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofMinutes(10)),
                root.duration("startTimeout", Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofHours(2)),
                LoginMapping.from(root.optionalChild("logins")), limits, profiles, clusters,
                root.optionalChild("proxy").map(ServiceConfig::proxy), timeZone(root), spawns(root), jobNameKey(root, jwt),
                freeResources(root), SessionsConfig.from(root));
    }

    private static FreeResources freeResources(ConfigNode root) {
        Optional<ConfigNode> n = root.optionalChild("freeResources");
        return new FreeResources(
                n.map(f -> f.duration("maxAge", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1))).orElse(Duration.ofSeconds(30)),
                n.map(f -> f.duration("formWait", Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(30))).orElse(Duration.ofSeconds(2)));
    }

    private static Spawns spawns(ConfigNode root) {
        Optional<ConfigNode> n = root.optionalChild("spawns");
        return new Spawns(
                n.map(s -> s.duration("retention", Duration.ofHours(1), Duration.ZERO, Duration.ofDays(30))).orElse(Duration.ofHours(1)),
                n.map(s -> s.integer("maxEnded", 1000, 0, 1_000_000)).orElse(1000));
    }

    /**
     * The secret that tags this service's OAR job names, so that a job a user named like ours is never taken for a
     * spawn: jobNameKeyFile, else one derived from the JWT's HMAC secret. Keep it across restarts and upgrades: a new
     * key disowns the running jobs.
     */
    private static String jobNameKey(ConfigNode root, Jwt jwt) {
        if (root.optionalString("jobNameKeyFile").isEmpty()) {
            return jwt.hmacSecret().map(s -> "derived-from-jwt-secret:" + s).orElseThrow(() -> root.error("jobNameKeyFile",
                    "is required when jwt has no hmacSecretFile (e.g. head -c 48 /dev/urandom | base64 > the file)"));
        }
        String key = root.fileText("jobNameKeyFile").strip();
        if (key.length() < 32) {
            throw root.error("jobNameKeyFile", "must hold at least 32 characters (e.g. head -c 48 /dev/urandom | base64)");
        }
        return key;
    }

    /** The zone of the times users read in progress messages (an estimated start): the site's, e.g. Europe/Paris. */
    private static ZoneId timeZone(ConfigNode root) {
        String zone = root.string("timeZone", "UTC");
        try {
            return ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            throw root.error("timeZone", "must be a time zone like Europe/Paris or UTC, got '" + zone + "'");
        }
    }

    private static Proxy proxy(ConfigNode p) {
        String api = p.string("apiUrl");
        if (!api.matches("^https?://[^\\s/]+(/.*)?$")) {
            throw p.error("apiUrl", "must be an http(s) URL like http://127.0.0.1:8001, got '" + api + "'");
        }
        // JupyterHub's own convention: the token comes from CONFIGPROXY_AUTH_TOKEN unless a file is given.
        String token = p.optionalString("authTokenFile").map(f -> p.fileText("authTokenFile").strip())
                .or(() -> Optional.ofNullable(System.getenv("CONFIGPROXY_AUTH_TOKEN")))
                .orElseThrow(() -> p.error("authTokenFile", "or the environment variable CONFIGPROXY_AUTH_TOKEN is required"));
        String base = p.string("baseUrl", "/");
        if (!base.startsWith("/")) {
            throw p.error("baseUrl", "must start with '/', got '" + base + "'");
        }
        return new Proxy(api, token, base);
    }

    private static Jwt jwt(ConfigNode j) {
        List<JwtKey> keys = new ArrayList<>();
        j.optionalChild("publicKeys").ifPresent(k -> k.children().forEach((name, key) -> {
            String algorithm = key.string("algorithm");
            if (!algorithm.equals("ES256") && !algorithm.equals("RS256")) {
                throw key.error("algorithm", "must be ES256 or RS256, got '" + algorithm + "'");
            }
            keys.add(new JwtKey(algorithm, key.fileText("pem")));
        }));
        Optional<String> secret = j.optionalString("hmacSecretFile").map(f -> j.fileText("hmacSecretFile").strip());
        secret.ifPresent(s -> {
            if (s.length() < 32) {
                throw j.error("hmacSecretFile", "must hold at least 32 characters for HS256");
            }
        });
        if (keys.isEmpty() && secret.isEmpty()) {
            throw j.error("publicKeys", "or hmacSecretFile is required: the service accepts no token without a key");
        }
        List<String> audience = j.strings("audience");
        if (audience.isEmpty()) {
            audience = List.of("oarspawner");
        }
        return new Jwt(j.string("issuer"), audience,
                j.duration("leeway", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(5)), keys, secret,
                j.duration("maxLifetime", Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofDays(1)));
    }

    private static ClusterLimits limits(String name, ConfigNode c) {
        Optional<ConfigNode> l = c.optionalChild("limits");
        return new ClusterLimits(name, c.string("display", name),
                l.map(x -> x.integer("maxNodes", 1, 1, 64)).orElse(1),
                l.map(x -> x.integer("maxCores", 16, 1, 4096)).orElse(16),
                l.map(x -> x.integer("maxGpus", 0, 0, 64)).orElse(0),
                l.map(x -> checked(x, "gpuModels", Grammar.GPU_MODEL)).orElse(List.of()),
                l.map(x -> walltime(x, "maxWalltime", Duration.ofHours(12))).orElse(Duration.ofHours(12)),
                l.map(x -> checked(x, "projects", Grammar.PROJECT)).orElse(List.of()),
                l.map(x -> checked(x, "types", Grammar.JOB_TYPE)).orElse(List.of()));
    }

    private static List<String> checked(ConfigNode n, String name, Grammar grammar) {
        List<String> values = n.strings(name);
        for (String v : values) {
            if (!grammar.matches(v)) {
                throw n.error(name, "holds '" + v + "', which is not " + grammar.description());
            }
        }
        return values;
    }

    private static Profile profile(String name, ConfigNode p, Map<String, ClusterLimits> limits) {
        String cluster = p.string("cluster");
        if (!limits.containsKey(cluster)) {
            throw p.error("cluster", "names no configured cluster: '" + cluster + "'; configured are " + limits.keySet());
        }
        Optional<String> model = p.optionalString("gpuModel");
        model.ifPresent(m -> {
            if (!limits.get(cluster).gpuModels().contains(m)) {
                throw p.error("gpuModel", "'" + m + "' is not in clusters." + cluster + ".limits.gpuModels");
            }
        });
        return new Profile(name, p.string("display", name), cluster, p.integer("nodes", 1, 1, 64),
                p.integer("cores", 1, 0, 4096), p.integer("gpus", 0, 0, 64), model,
                walltime(p, "walltime", Duration.ofHours(1)));
    }

    /** A walltime as OAR writes it: H:MM or H:MM:SS ({@link Grammar#WALLTIME}, the whole value: no blank around it). */
    public static Optional<Duration> parseWalltime(String text) {
        return Grammar.walltime(text);
    }

    private static Duration walltime(ConfigNode n, String name, Duration fallback) {
        Optional<String> v = n.optionalString(name);
        if (v.isEmpty()) {
            return fallback;
        }
        return parseWalltime(v.get()).orElseThrow(() -> n.error(name, "must be a walltime like 2:00 or 1:30:00, got '" + v.get() + "'"));
    }
}
