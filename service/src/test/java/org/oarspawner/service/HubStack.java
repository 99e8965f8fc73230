package org.oarspawner.service;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.oarspawner.oar.LocalCluster;

/**
 * The whole local stack for one test class: Debian's JupyterHub 3.0 with the shim (deploy/hub.sh, so with the
 * hub's own configurable-http-proxy) on a fresh database, and the oarspawner service as its own JVM, managing
 * CHP's routes, with instance {@value #INSTANCE}. A test class gets it as a parameter; it is stopped, and its
 * servers and jobs removed, after the class ({@link Extension}).
 */
final class HubStack implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String HUB = "http://127.0.0.1:8000";
    static final String INSTANCE = "hubit";
    /** The hub reconciliation's grace in the hub ITs: short, so that OrphanIT sees it end, and every other hub IT
     * runs with the reaper on (none of their servers may be cancelled). */
    static final Duration ORPHAN_GRACE = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String hubDbUrl;
    private final String hubToken;
    private final Path serviceLog;
    private Process service;
    private Map<String, String> overrides = Map.of();

    private HubStack(String hubDbUrl) throws Exception {
        this.hubDbUrl = hubDbUrl;
        restartHub();
        hubToken = Files.readString(LocalCluster.STATE.resolve("hub-api-token")).strip();
        serviceLog = Files.createTempFile("oarspawner-hubstack", ".log");
        restartService(Map.of());
    }

    /** Gives each test class that asks for a HubStack parameter its own, closed after the class. */
    static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == HubStack.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return c.getStore(ExtensionContext.Namespace.create(HubStack.class, c.getRequiredTestClass()))
                    .getOrComputeIfAbsent("stack", k -> {
                        try {
                            // A fresh hub database: servers left by another run would make the hub wait on each at start.
                            Path db = Files.createTempFile("jupyterhub-hubstack", ".sqlite");
                            Files.delete(db);
                            return new HubStack("sqlite:///" + db);
                        } catch (Exception e) {
                            throw new IllegalStateException("the hub stack did not start: " + e.getMessage(), e);
                        }
                    }, HubStack.class);
        }
    }

    /** Stops (or starts) the hub and starts it again on the same database: its servers must survive. */
    void restartHub() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("deploy/hub.sh").toString(), "restart").redirectErrorStream(true);
        pb.environment().put("OARSPAWNER_HUB_DB_URL", hubDbUrl);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("deploy/hub.sh restart failed: " + out);
        }
    }

    /** (Re)starts the service with the platform's configuration plus these environment overrides. */
    void restartService(Map<String, String> overrides) throws Exception {
        stopService();
        startService(overrides);
    }

    /** SIGKILL: the service gets no chance to clean anything up. */
    void killService() throws InterruptedException {
        service.destroyForcibly();
        if (!service.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the service did not die on SIGKILL");
        }
    }

    /** Starts the service (not running) with the overrides of the last start; returns once it is ready. */
    void startService() throws Exception {
        startService(overrides);
    }

    private void startService(Map<String, String> overrides) throws Exception {
        this.overrides = overrides;
        ProcessBuilder pb = new ProcessBuilder(ServiceProcess.command(ROOT.resolve("deploy/config/oarspawner.yaml").toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(serviceLog.toFile()));
        Map<String, String> env = new HashMap<>(Map.of(
                "OARSPAWNER_INSTANCE", INSTANCE,
                "OARSPAWNER_POLL_TICK", "500ms",
                "OARSPAWNER_PROXY__API_URL", "http://127.0.0.1:8001",
                "OARSPAWNER_PROXY__AUTH_TOKEN_FILE", LocalCluster.STATE.resolve("proxy-token").toString(),
                "OARSPAWNER_HUB__API_URL", "http://127.0.0.1:8081/hub/api",
                "OARSPAWNER_HUB__API_TOKEN_FILE", LocalCluster.STATE.resolve("hub-service-token").toString(),
                "OARSPAWNER_HUB__ORPHAN_GRACE", ORPHAN_GRACE.toSeconds() + "s",
                "OARSPAWNER_HUB__CHECK_INTERVAL", "1s"));
        // The HPC sessions page, logged in through this hub's OAuth (deploy/hub/jupyterhub_config.py registers it).
        env.put("OARSPAWNER_SESSIONS__PUBLIC_URL", HUB);
        env.put("OARSPAWNER_SESSIONS__HUB_API_URL", "http://127.0.0.1:8081/hub/api");
        env.put("OARSPAWNER_SESSIONS__CLIENT_SECRET_FILE", LocalCluster.STATE.resolve("hub-service-token").toString());
        env.putAll(overrides);
        pb.environment().putAll(env);
        long mark = logMark();
        service = pb.start();
        for (int i = 0; i < 300; i++) {
            if (logSince(mark).contains("event=start_failed")) {
                throw new AssertionError("the service did not start (is another one on port 9081?): " + logSince(mark));
            }
            try {
                // Our own process listening (not another one on the port), and ready.
                if (logSince(mark).contains("event=api_listening") && http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:9081/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                if (!service.isAlive()) {
                    throw new AssertionError("the service exited: " + Files.readString(serviceLog));
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the service did not answer: " + Files.readString(serviceLog));
    }

    /** Where the service's log ends now: {@link #awaitLog} looks only past it. */
    long logMark() {
        return serviceLog.toFile().length();
    }

    /** Waits, looking every 10 ms, for a line of the service's log past mark that contains every fragment; returns it. */
    String awaitLog(long mark, Duration timeout, String... fragments) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : logSince(mark).split("\n")) {
                if (java.util.Arrays.stream(fragments).allMatch(line::contains)) {
                    return line;
                }
            }
            LocalCluster.sleep(10);
        }
        throw new AssertionError("no line with " + List.of(fragments) + " in the service's log within " + timeout.toSeconds() + " s");
    }

    /** The service's log past mark. */
    String logSince(long mark) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(serviceLog.toFile(), "r")) {
            f.seek(Math.min(mark, f.length()));
            byte[] b = new byte[(int) (f.length() - f.getFilePointer())];
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the hub and its proxy (deploy/hub.sh stop); the servers, OAR jobs, stay. */
    void stopHub() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("deploy/hub.sh").toString(), "stop").redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("deploy/hub.sh stop failed: " + out);
        }
    }

    /** A call to the service's own API with a hub token, as the shim makes it (behind the hub's back, here). */
    HttpResponse<String> service(String method, String path, JsonObject body) {
        try {
            String secret = Files.readString(LocalCluster.STATE.resolve("jwt-secret")).strip();
            io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
            String token;
            try {
                token = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions().addPubSecKey(
                                new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
                        .generateToken(new JsonObject().put("sub", "jupyterhub").put("roles", new io.vertx.core.json.JsonArray().add("hub")),
                                new io.vertx.ext.auth.JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner"))
                                        .setExpiresInSeconds(300));
            } finally {
                vertx.close();
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9081" + path))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stopService() throws InterruptedException {
        if (service != null) {
            service.destroy();
            if (!service.waitFor(20, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    HttpResponse<String> hub(String method, String path, JsonObject body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(HUB + path)).header("Authorization", "token " + hubToken)
                    .timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The hub's model of a user's server, or null when the hub has none. */
    JsonObject hubServer(String user, String server) {
        HttpResponse<String> r = hub("GET", "/hub/api/users/" + user, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET user " + user + ": " + r.statusCode() + " " + r.body());
        }
        JsonObject servers = new JsonObject(r.body()).getJsonObject("servers", new JsonObject());
        return servers.getJsonObject(server);
    }

    /** Reads the hub's progress stream for a server to its end (ready or failed). */
    List<JsonObject> progress(String user, String server) {
        return ServerSentEvents.readAll(http, HttpRequest.newBuilder(URI.create(HUB + serverPath(user, server) + "/progress"))
                .header("Authorization", "token " + hubToken).timeout(Duration.ofSeconds(180)).build());
    }

    static String serverPath(String user, String server) {
        return "/hub/api/users/" + user + (server.isEmpty() ? "/server" : "/servers/" + server);
    }

    /** CHP's routing table, read straight from its API. */
    JsonObject routes() {
        return new JsonObject(proxyApi("GET", "").body());
    }

    /** Deletes a route in CHP behind the hub's back; returns CHP's status code. */
    int deleteRoute(String path) {
        return proxyApi("DELETE", path).statusCode();
    }

    private HttpResponse<String> proxyApi(String method, String path) {
        try {
            String token = Files.readString(LocalCluster.STATE.resolve("proxy-token")).strip();
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8001/api/routes" + path))
                    .header("Authorization", "token " + token).method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The ids of the OAR jobs, not yet ended, that this stack's service holds for a user's server. */
    static List<Long> jobs(String user, String server) {
        return jobsWhere("job_name like 'oarspawner:" + INSTANCE + ":%:" + user + ":" + server + ":%'");
    }

    /**
     * Every OAR job, in any state (ended ones too), that this stack's service submitted for a user's server since
     * an instant: a second job made and then cancelled shows here.
     */
    static List<Long> jobsEver(String user, String server, java.time.Instant since) {
        String out = LocalCluster.run("oarstat", "-J", "--sql", "job_name like 'oarspawner:" + INSTANCE + ":%:" + user + ":"
                + server + ":%' and submission_time >= " + since.getEpochSecond());
        List<Long> ids = new ArrayList<>();
        if (!out.isBlank()) {
            new JsonObject(out).fieldNames().forEach(id -> ids.add(Long.parseLong(id)));
        }
        return ids;
    }

    private static List<Long> jobsWhere(String where) {
        String out = LocalCluster.run("oarstat", "-J", "--sql", where + " and state not in ('Terminated','Error')");
        List<Long> ids = new ArrayList<>();
        if (!out.isBlank()) {
            new JsonObject(out).fieldNames().forEach(id -> ids.add(Long.parseLong(id)));
        }
        return ids;
    }

    /** Another user's job (started in bob's home, where OAR can launch it) takes the whole GPU node, so that a spawn there queues; returns its id once it runs. */
    static String holdGpuNode() {
        String out = LocalCluster.run("su", "-s", "/bin/sh", "bob", "-c",
                "cd && oarsub --project " + LocalCluster.PROJECT + " -l /nodes=1,walltime=0:20:00 -p \"cluster='gpu'\" 'sleep 1200'");
        Matcher m = Pattern.compile("OAR_JOB_ID=(\\d+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("oarsub of the blocking job: " + out);
        }
        String id = m.group(1);
        await("blocking job " + id + " running", Duration.ofSeconds(60),
                () -> LocalCluster.run("oarstat", "-s", "-j", id).contains("Running"));
        return id;
    }

    static void await(String what, Duration timeout, BooleanSupplier until) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (until.getAsBoolean()) {
                return;
            }
            LocalCluster.sleep(250);
        }
        throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s");
    }

    /** Stops every server the hub has, then the service and the hub; cancels whatever job is left. */
    @Override
    public void close() throws Exception {
        // Whatever state a failed test left the hub in, the service on 9081, the jobs and the hub are stopped: a
        // service left running would answer the next run's HubStack in its place.
        try {
            HttpResponse<String> users = hub("GET", "/hub/api/users", null);
            if (users.statusCode() == 200) {
                for (Object u : new io.vertx.core.json.JsonArray(users.body())) {
                    JsonObject user = (JsonObject) u;
                    for (String server : user.getJsonObject("servers", new JsonObject()).fieldNames()) {
                        hub("DELETE", serverPath(user.getString("name"), server), null);
                    }
                }
            }
        } finally {
            stopService();
            for (long id : jobsWhere("job_name like 'oarspawner:" + INSTANCE + ":%'")) {
                LocalCluster.run("oardel", Long.toString(id));
            }
            ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("deploy/hub.sh").toString(), "stop")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.start().waitFor(60, TimeUnit.SECONDS);
        }
    }
}
