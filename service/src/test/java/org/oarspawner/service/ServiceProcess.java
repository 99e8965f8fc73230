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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.oarspawner.oar.LocalCluster;

/**
 * The service as a real process (Main with deploy/config/oarspawner.yaml) on a free port, under its own OAR
 * instance name so that the jobs it makes are told apart in OAR; tokens signed with the platform's HS256 secret.
 */
final class ServiceProcess implements AutoCloseable {
    static final Path CONFIG = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/config/oarspawner.yaml");

    final String instance;
    final int port;
    final Path log;
    private final Process process;
    private final Vertx vertx = Vertx.vertx();
    private final JWTAuth signer;
    private final HttpClient http = HttpClient.newHttpClient();

    /** A fresh instance name per run, so that no job of an earlier run counts: prefix-xxxxxx. */
    static String freshInstance(String prefix) {
        StringBuilder s = new StringBuilder(prefix).append('-');
        for (int i = 0; i < 6; i++) {
            s.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        }
        return s.toString();
    }

    ServiceProcess(String instance, Map<String, String> env) throws Exception {
        this.instance = instance;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String secret = Files.readString(LocalCluster.STATE.resolve("jwt-secret")).strip();
        signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
        log = Files.createTempFile("oarspawner-" + instance, ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), CONFIG.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OARSPAWNER_INSTANCE", instance);
        pb.environment().put("OARSPAWNER_HTTP__PORT", Integer.toString(port));
        pb.environment().put("OARSPAWNER_POLL_TICK", "500ms");
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited: " + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base() + "/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the service did not answer: " + Files.readString(log));
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** A token signed with the platform's secret, with iat and exp (lifetime in seconds) and these claims. */
    String token(JsonObject claims, int lifetime) {
        return signer.generateToken(claims, new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner"))
                .setExpiresInSeconds(lifetime));
    }

    /** A token with exactly these claims besides iss and aud: no iat, and no exp unless the claims hold one. */
    String bareToken(JsonObject claims) {
        return signer.generateToken(claims, new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner"))
                .setNoTimestamp(true));
    }

    String hub() {
        return token(new JsonObject().put("sub", "jupyterhub").put("roles", new JsonArray().add("hub")), 300);
    }

    String user(String name) {
        return token(new JsonObject().put("sub", name).put("roles", new JsonArray().add("user")), 300);
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

    /** The state of a spawn as the hub sees it (GET with a hub token); empty JSON when there is none. */
    JsonObject server(String user, String name) throws Exception {
        HttpResponse<String> r = call("GET", "/api/v1/users/" + user + "/servers/" + name, hub(), null);
        return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject();
    }

    /** How many jobs OAR holds, in any state, under this instance's names for a hub user (and server, if not null). */
    int jobsInOar(String user, String server) {
        String out = LocalCluster.run("oarstat", "-J", "--sql", "job_name like 'oarspawner:" + instance + ":%:" + user + ":"
                + (server == null ? "%" : server) + "'");
        return out.isBlank() ? 0 : new JsonObject(out).size();
    }

    /** Stops every spawn of this instance and waits until OAR holds none running, then kills the process. */
    @Override
    public void close() throws Exception {
        try {
            for (Object o : new JsonArray(call("GET", "/api/v1/servers", hub(), null).body())) {
                JsonObject s = (JsonObject) o;
                call("DELETE", "/api/v1/users/" + s.getString("user") + "/servers/" + s.getString("name"), hub(), null);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && !LocalCluster.run("oarstat", "-J", "--sql", "job_name like 'oarspawner:"
                    + instance + ":%' and state not in ('Terminated','Error')").isBlank()) {
                Thread.sleep(250);
            }
        } finally {
            process.destroyForcibly().waitFor();
            vertx.close();
        }
    }
}
