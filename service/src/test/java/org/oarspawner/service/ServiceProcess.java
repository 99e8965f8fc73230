package org.oarspawner.service;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.oarspawner.oar.LocalCluster;

/**
 * The service as a real process (java -jar oarspawner-<version>.jar), with deploy/config/oarspawner.yaml and environment overrides, on a free port, and
 * the calls the ITs make to it with a hub token.
 */
final class ServiceProcess implements AutoCloseable {
    static final Path CONFIG = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/config/oarspawner.yaml");
    /** The JVM's flags every launcher of the jar uses (deploy/service.sh, the systemd unit, the image). */
    static final Path JVM_OPTIONS = CONFIG.getParent().getParent().resolve("jvm.options");

    final String instance;
    final int port;
    final Path log;
    private final Path config;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Vertx vertx = Vertx.vertx();
    private final JWTAuth jwt;
    private final String hubToken;
    private Process process;

    /** A fresh instance name per run, so that no job of an earlier run counts: prefix-xxxxxx. */
    static String freshInstance(String prefix) {
        StringBuilder s = new StringBuilder(prefix).append('-');
        for (int i = 0; i < 6; i++) {
            s.append((char) ('a' + java.util.concurrent.ThreadLocalRandom.current().nextInt(26)));
        }
        return s.toString();
    }

    ServiceProcess(String instance, Map<String, String> overrides) throws IOException {
        this(instance, CONFIG, overrides);
    }

    /** With another configuration file (helm's ChartConfigIT: the one the chart renders). */
    ServiceProcess(String instance, Path config, Map<String, String> overrides) throws IOException {
        this.instance = instance;
        this.config = config;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        env.put("OARSPAWNER_INSTANCE", instance);
        env.put("OARSPAWNER_HTTP__PORT", Integer.toString(port));
        env.put("OARSPAWNER_POLL_TICK", "500ms");
        env.putAll(overrides);
        String secret = Files.readString(LocalCluster.STATE.resolve("jwt-secret")).strip();
        jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
        hubToken = token(new JsonObject().put("sub", "jupyterhub").put("roles", new JsonArray().add("hub")));
        log = Files.createTempFile("oarspawner-service-" + instance, ".log");
    }

    /** The overrides that make the service keep this CHP's routes (its token in a file, as a site would). */
    static Map<String, String> managing(org.oarspawner.proxy.Chp chp) throws IOException {
        Path token = Files.createTempFile("chp-token", "");
        Files.writeString(token, chp.token);
        return Map.of("OARSPAWNER_PROXY__API_URL", chp.apiUrl(), "OARSPAWNER_PROXY__AUTH_TOKEN_FILE", token.toString());
    }

    /** CHP's routing table, as its API lists it. */
    static JsonObject routes(org.oarspawner.proxy.Chp chp) throws Exception {
        return new JsonObject(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest
                .newBuilder(URI.create(chp.apiUrl() + "/api/routes")).header("Authorization", "token " + chp.token)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** A token the service accepts, with these claims. */
    String token(JsonObject claims) {
        return token(claims, 600);
    }

    /** A token signed with the platform's secret, with iat and exp (lifetime in seconds) and these claims. */
    String token(JsonObject claims, int lifetime) {
        return jwt.generateToken(claims, new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner"))
                .setExpiresInSeconds(lifetime));
    }

    /** A token with exactly these claims besides iss and aud: no iat, and no exp unless the claims hold one. */
    String bareToken(JsonObject claims) {
        return jwt.generateToken(claims, new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner"))
                .setNoTimestamp(true));
    }

    String hub() {
        return token(new JsonObject().put("sub", "jupyterhub").put("roles", new JsonArray().add("hub")), 300);
    }

    String user(String name) {
        return token(new JsonObject().put("sub", name).put("roles", new JsonArray().add("user")), 300);
    }

    String instance() {
        return instance;
    }

    /**
     * The command that runs the service as a site does: java with the launchers' JVM flags (deploy/jvm.options) -jar
     * on the runnable jar that the build made at package (Failsafe names it in the system property oarspawner.jar),
     * with these arguments.
     */
    static List<String> command(String... args) {
        String jar = System.getProperty("oarspawner.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("no runnable jar at " + jar + ": run the ITs with mvn verify, which builds it at package");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + JVM_OPTIONS, "-jar", jar));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts the process and waits until its API answers. */
    ServiceProcess start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command(config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited: " + log());
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base() + "/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the service did not answer: " + log());
    }

    /** SIGKILL, as a crash would. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    long pid() {
        return process.pid();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    HttpResponse<String> call(String method, String path, JsonObject body) throws Exception {
        return call(method, path, hubToken, body);
    }

    HttpResponse<String> call(String method, String path, String token, JsonObject body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(90))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    List<JsonObject> servers() throws Exception {
        List<JsonObject> out = new ArrayList<>();
        new JsonArray(call("GET", "/api/v1/servers", null).body()).forEach(o -> out.add((JsonObject) o));
        return out;
    }

    HttpResponse<String> serverResponse(String user, String name) throws Exception {
        return call("GET", "/api/v1/users/" + user + "/servers/" + name, null);
    }

    /** The state of a spawn as the hub sees it (GET with a hub token); empty JSON when there is none. */
    JsonObject server(String user, String name) throws Exception {
        HttpResponse<String> r = serverResponse(user, name);
        return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject();
    }

    /**
     * The job id of a spawn, once its submission got one: a PUT answers 202 before oarsub, and the id comes after.
     * Fails if the spawn fails first (its message says why).
     */
    long jobOf(String user, String name) throws Exception {
        JsonObject s = waitFor(user, name, v -> v.containsKey("jobId") || "failed".equals(v.getString("state")));
        if (!s.containsKey("jobId")) {
            throw new AssertionError(user + "/" + name + " failed before it had a job: " + s.encode());
        }
        return s.getLong("jobId");
    }

    JsonObject waitFor(String user, String name, Predicate<JsonObject> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = serverResponse(user, name);
            last = r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject().put("state", "http-" + r.statusCode());
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(user + "/" + name + " never matched; last: " + last);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitUntil(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("never: " + what);
    }

    /** A request body for a one-core (or some-GPU) job of the platform's training project. */
    static JsonObject body(String cluster, int gpus, List<String> command) {
        JsonObject b = new JsonObject().put("cluster", cluster).put("project", LocalCluster.PROJECT).put("walltime", "0:20")
                .put("command", new JsonArray(command)).put("environment", new JsonObject().put("JUPYTERHUB_API_TOKEN", "t"));
        return gpus > 0 ? b.put("gpus", gpus) : b.put("cores", 1);
    }

    /** How many unfinished jobs OAR holds under a spawn's job name. */
    int jobsNamed(String user, String server) {
        String out = LocalCluster.run("oarstat", "-J", "--sql", "job_name like 'oarspawner:" + instance + ":%:" + user + ":"
                + server + ":%' and state not in ('Terminated','Error')");
        return out.isBlank() ? 0 : new JsonObject(out).size();
    }

    /** How many jobs OAR holds, in any state, under this instance's names for a hub user (and server, if not null). */
    int jobsInOar(String user, String server) {
        String out = LocalCluster.run("oarstat", "-J", "--sql", "job_name like 'oarspawner:" + instance + ":%:" + user + ":"
                + (server == null ? "%" : server + ":%") + "'");
        return out.isBlank() ? 0 : new JsonObject(out).size();
    }

    double metric(String name, String labels) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(base() + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + "[^}]*} ([0-9.eE+-]+)$",
                Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + name + "{" + labels + "} in /metrics");
        }
        return Double.parseDouble(m.group(1));
    }

    List<JsonObject> readEvents(String path, long lastEventId) {
        return ServerSentEvents.readAll(http, HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + hubToken).header("Last-Event-ID", Long.toString(lastEventId))
                .timeout(Duration.ofSeconds(90)).build());
    }

    /** Stops every spawn of this instance, waits for them to end, then ends the process. */
    @Override
    public void close() throws Exception {
        try {
            if (process != null && process.isAlive()) {
                for (JsonObject s : servers()) {
                    call("DELETE", "/api/v1/users/" + s.getString("user") + "/servers/" + s.getString("name"), null);
                }
                waitUntil(() -> servers().stream().allMatch(s -> List.of("stopped", "failed").contains(s.getString("state"))),
                        "all stopped");
            }
        } finally {
            kill();
            vertx.close();
        }
    }
}
