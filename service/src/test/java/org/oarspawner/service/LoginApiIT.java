package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 8, item 8, at the API of the service as a real process (deploy/config/oarspawner.yaml: logins are the hub
 * user names, identity service-account): a hub user whose login is a system account gets 403, one with no account
 * on the cluster 422 with the reason, and neither reaches sudo.
 */
class LoginApiIT {
    private Process service;
    private int port;
    private String token;
    private Path log;
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;

    @BeforeEach
    void setUp() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        vertx = Vertx.vertx();
        String secret = Files.readString(LocalCluster.STATE.resolve("jwt-secret")).strip();
        token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
                .generateToken(new JsonObject().put("sub", "jupyterhub").put("roles", new JsonArray().add("hub")),
                        new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner")).setExpiresInSeconds(3600));
        log = Files.createTempFile("oarspawner-service", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), ServiceProcessIT.CONFIG.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OARSPAWNER_INSTANCE", "logins");
        pb.environment().put("OARSPAWNER_HTTP__PORT", Integer.toString(port));
        service = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(service.isAlive()).as("the service runs: %s", Files.readString(log)).isTrue();
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

    @AfterEach
    void tearDown() throws Exception {
        service.destroyForcibly().waitFor();
        vertx.close();
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private JsonObject put(String user, int status) throws Exception {
        JsonObject body = new JsonObject().put("cluster", "cpu").put("cores", 1).put("walltime", "0:20")
                .put("command", new JsonArray(LocalCluster.HTTP_SERVER)).put("environment", new JsonObject().put("JUPYTERHUB_API_TOKEN", "t"));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/users/" + user + "/servers/x"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT for %s: %s", user, r.body()).isEqualTo(status);
        return new JsonObject(r.body());
    }

    @Test
    void aSystemLoginIs403AndALoginWithNoAccount422() throws Exception {
        for (String user : List.of("root", "daemon")) {
            JsonObject e = put(user, 403);
            System.out.printf("LoginApiIT %s: 403 %s%n", user, e.encode());
            assertThat(e.getString("message")).doesNotContain("sudo");
        }
        assertThat(put("daemon", 403).getString("code")).isEqualTo("login_forbidden");
        JsonObject e = put("nosuchuser", 422);
        System.out.printf("LoginApiIT nosuchuser: 422 %s%n", e.encode());
        assertThat(e.getString("code")).isEqualTo("no_account");
        assertThat(e.getString("message")).contains("user nosuchuser has no account on cluster cpu").doesNotContain("sudo");
        assertThat(Files.readString(log)).doesNotContain("sudo:");
    }
}
