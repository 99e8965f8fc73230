package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.config.ConfigNode;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.spawn.SpawnManager;

/** Routing, validation and every 401/403 case, on a real HTTP server; no request here may reach a cluster. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiServerTest {
    static final String ISSUER = "https://hub.example.org";
    static final String HMAC = "0123456789abcdef0123456789abcdef-test-secret";

    Path dir;
    Vertx vertx;
    SpawnManager manager;
    int port;
    int closedOpsPort;
    KeyPair trusted;
    KeyPair stranger;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        dir = Files.createTempDirectory("oarspawner-api-test");
        trusted = ecKeys();
        stranger = ecKeys();
        Files.writeString(dir.resolve("hub.pem"), pem("PUBLIC KEY", trusted.getPublic().getEncoded()));
        Files.writeString(dir.resolve("hmac"), HMAC);
        String yaml = """
                instance: test
                http: {host: 127.0.0.1, port: 0}
                jwt:
                  issuer: https://hub.example.org
                  audience: [oarspawner]
                  leeway: 5s
                  publicKeys:
                    hub: {algorithm: ES256, pem: DIR/hub.pem}
                  hmacSecretFile: DIR/hmac
                clusters:
                  cpu:
                    display: "HPC node - CPU"
                    limits: {maxCores: 4, maxWalltime: "4:00", projects: [pr-training]}
                  gpu:
                    display: "HPC node - GPU"
                    limits: {maxGpus: 2, gpuModels: [A100, V100], types: [devel]}
                profiles:
                  cpu-small: {display: "1 core, 2 h", cluster: cpu, cores: 1, walltime: "2:00"}
                  gpu-a100: {display: "1 GPU A100, 4 h", cluster: gpu, gpus: 1, gpuModel: A100, walltime: "4:00"}
                """.replace("DIR", dir.toString());
        manager = new SpawnManager(vertx, new NoClusterScheduler(), Duration.ofSeconds(1), Duration.ofMinutes(1), Clock.systemUTC());
        port = startServer(yaml, Map.of());
        closedOpsPort = startServer(yaml, Map.of("OARSPAWNER_HTTP__OPEN_OPS", "false"));
    }

    private int startServer(String yaml, Map<String, String> env) throws Exception {
        ServiceConfig config = ServiceConfig.from(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), env));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new ApiServer(vertx, config, manager, new NoClusterScheduler(), registry).start()
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).actualPort();
    }

    @AfterAll
    void stop() throws Exception {
        manager.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    String token(KeyPair keys, JsonObject claims, String issuer, String audience, int expiresIn) {
        JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("ES256")
                .setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
        JWTOptions o = new JWTOptions().setAlgorithm("ES256").setIssuer(issuer).setAudience(List.of(audience));
        if (expiresIn != 0) {
            o.setExpiresInSeconds(expiresIn);
        }
        return signer.generateToken(claims, o);
    }

    String hub() {
        return token(trusted, new JsonObject().put("sub", "hub").put("roles", new JsonArray().add("hub")), ISSUER, "oarspawner", 300);
    }

    String user(String name) {
        return token(trusted, new JsonObject().put("sub", name).put("roles", new JsonArray().add("user")), ISSUER, "oarspawner", 300);
    }

    HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        return call(port, method, path, token, body);
    }

    HttpResponse<String> call(int port, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        return new JsonObject(r.body());
    }

    void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).getString("code")).isEqualTo(code);
        assertThat(json(r).getString("message")).isNotBlank();
    }

    @Test
    void everyUnauthenticatedCaseIs401() throws Exception {
        String path = "/api/v1/profiles";
        assertError(call("GET", path, null, null), 401, "unauthorized");
        assertError(call("GET", path, "not-a-jwt", null), 401, "unauthorized");
        JsonObject hubClaims = new JsonObject().put("roles", new JsonArray().add("hub"));
        // Expired well beyond the 5 s leeway.
        JsonObject expired = hubClaims.copy().put("exp", System.currentTimeMillis() / 1000 - 60);
        assertError(call("GET", path, token(trusted, expired, ISSUER, "oarspawner", 0), null), 401, "unauthorized");
        assertError(call("GET", path, token(stranger, hubClaims, ISSUER, "oarspawner", 300), null), 401, "unauthorized");
        assertError(call("GET", path, token(trusted, hubClaims, ISSUER, "someone-else", 300), null), 401, "unauthorized");
        assertError(call("GET", path, token(trusted, hubClaims, "https://evil.example.org", "oarspawner", 300), null), 401, "unauthorized");
        JWTAuth wrongSecret = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
                .setAlgorithm("HS256").setBuffer("another-secret-another-secret-another")));
        assertError(call("GET", path, wrongSecret.generateToken(hubClaims, new JWTOptions().setIssuer(ISSUER)
                .setAudience(List.of("oarspawner"))), null), 401, "unauthorized");
        assertThat(json(call("GET", path, null, null)).getString("message")).contains(ISSUER);
    }

    @Test
    void validTokensPass() throws Exception {
        assertThat(call("GET", "/api/v1/profiles", hub(), null).statusCode()).isEqualTo(200);
        JWTAuth hmac = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(HMAC)));
        String hs = hmac.generateToken(new JsonObject().put("roles", new JsonArray().add("hub")),
                new JWTOptions().setIssuer(ISSUER).setAudience(List.of("oarspawner")).setExpiresInSeconds(60));
        assertThat(call("GET", "/api/v1/profiles", hs, null).statusCode()).isEqualTo(200);
        // Expired, but within the leeway.
        JsonObject justExpired = new JsonObject().put("roles", new JsonArray().add("hub")).put("exp", System.currentTimeMillis() / 1000 - 2);
        assertThat(call("GET", "/api/v1/profiles", token(trusted, justExpired, ISSUER, "oarspawner", 0), null).statusCode()).isEqualTo(200);
    }

    @Test
    void everyForbiddenCaseIs403() throws Exception {
        assertError(call("GET", "/api/v1/users/bob/servers/x", user("alice"), null), 403, "forbidden");
        assertError(call("DELETE", "/api/v1/users/bob/servers/_default", user("alice"), null), 403, "forbidden");
        assertError(call("GET", "/api/v1/servers", user("alice"), null), 403, "forbidden");
        String noRole = token(trusted, new JsonObject().put("sub", "alice"), ISSUER, "oarspawner", 300);
        assertError(call("GET", "/api/v1/users/alice/servers/x", noRole, null), 403, "forbidden");
        // alice's own servers are hers to see.
        assertError(call("GET", "/api/v1/users/alice/servers/x", user("alice"), null), 404, "not_found");
    }

    @Test
    void profilesComeFromConfig() throws Exception {
        JsonObject p = json(call("GET", "/api/v1/profiles", user("alice"), null));
        assertThat(p.getJsonArray("profiles")).hasSize(2);
        assertThat(p.getJsonArray("profiles").getJsonObject(1).getString("display")).isEqualTo("1 GPU A100, 4 h");
        JsonObject gpu = p.getJsonArray("clusters").getJsonObject(1);
        assertThat(gpu.getString("display")).isEqualTo("HPC node - GPU");
        assertThat(gpu.getJsonArray("gpuModels").getList()).containsExactly("A100", "V100");
        assertThat(gpu.getInteger("maxGpus")).isEqualTo(2);
    }

    @Test
    void badRequestsAre400AndNeverReachTheCluster() throws Exception {
        String path = "/api/v1/users/alice/servers/lab";
        assertError(call("PUT", path, hub(), "{}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": []}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cores\": \"many\"}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"unknown\": 1}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"project\": \"pr x; rm -rf /\"}"), 400, "invalid_request");
        assertError(call("PUT", "/api/v1/users/al%20ice/servers/lab", hub(), "{\"command\": [\"x\"]}"), 400, "invalid_request");
        assertError(call("PUT", "/api/v1/users/alice/servers/_x", hub(), "{\"command\": [\"x\"]}"), 400, "invalid_request");
        assertThat(call("PUT", path, hub(), "not json").statusCode()).isEqualTo(400);

        HttpResponse<String> cores = call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"cores\": 8}");
        assertError(cores, 400, "invalid_field");
        assertThat(json(cores).getString("field")).isEqualTo("cores");
        assertThat(json(cores).getString("message")).isEqualTo("cores: may be at most 4 on cpu, got 8");
        HttpResponse<String> model = call("PUT", path, hub(), "{\"command\": [\"x\"], \"profile\": \"gpu-a100\", \"gpuModel\": \"H100\"}");
        assertThat(json(model).getString("field")).isEqualTo("gpuModel");
        assertThat(json(model).getString("message")).contains("[A100, V100]");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"profile\": \"nope\"}")).getString("field")).isEqualTo("profile");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"]}")).getString("field")).isEqualTo("cluster");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"walltime\": \"5:00\"}"))
                .getString("message")).isEqualTo("walltime: may be at most 4:00:00 on cpu");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"project\": \"pr-other\"}"))
                .getString("field")).isEqualTo("project");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"types\": [\"besteffort\"]}"))
                .getString("field")).isEqualTo("types");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\", \"a\\u0000b\"], \"cluster\": \"cpu\"}"))
                .getString("field")).isEqualTo("command");
        // Nothing was recorded: no spawn exists for alice.
        assertError(call("GET", path, hub(), null), 404, "not_found");
    }

    @Test
    void aValidRequestReachesTheSchedulerAndItsFailureIsReported() throws Exception {
        HttpResponse<String> r = call("PUT", "/api/v1/users/carol/servers/_default", hub(),
                "{\"profile\": \"cpu-small\", \"command\": [\"jupyterhub-singleuser\"], \"environment\": {\"JUPYTERHUB_API_TOKEN\": \"t\"}}");
        assertError(r, 503, "cluster_unreachable");
        assertThat(json(r).getString("message")).contains("cluster cpu");
        JsonObject server = json(call("GET", "/api/v1/users/carol/servers/_default", hub(), null));
        assertThat(server.getString("state")).isEqualTo("failed");
        assertThat(server.getString("failure")).isEqualTo("unreachable");
        assertThat(server.getString("name")).isEqualTo("_default");
        JsonArray listed = new JsonArray(call("GET", "/api/v1/servers?user=carol&state=failed", hub(), null).body());
        assertThat(listed).hasSize(1);
        assertThat(new JsonArray(call("GET", "/api/v1/servers?cluster=gpu", hub(), null).body())).isEmpty();
        assertThat(call("DELETE", "/api/v1/users/carol/servers/_default", hub(), null).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", "/api/v1/users/nobody/servers/x", hub(), null).statusCode()).isEqualTo(204);
    }

    @Test
    void opsEndpoints() throws Exception {
        assertThat(call("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> ready = call("GET", "/health/ready", null, null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready).getJsonObject("clusters").getString("gpu")).contains("no frontend");
        HttpResponse<String> contract = call("GET", "/api/v1/openapi.yaml", null, null);
        assertThat(contract.statusCode()).isEqualTo(200);
        assertThat(contract.body()).startsWith("openapi: 3.1.0");
        assertThat(call("GET", "/metrics", null, null).statusCode()).isEqualTo(200);
        assertError(call("GET", "/nowhere", null, null), 404, "not_found");
    }

    @Test
    void opsEndpointsMayBeClosed() throws Exception {
        assertError(call(closedOpsPort, "GET", "/metrics", null, null), 401, "unauthorized");
        assertError(call(closedOpsPort, "GET", "/health/live", null, null), 401, "unauthorized");
        assertError(call(closedOpsPort, "GET", "/metrics", user("alice"), null), 403, "forbidden");
        assertThat(call(closedOpsPort, "GET", "/metrics", hub(), null).statusCode()).isEqualTo(200);
        assertThat(call(closedOpsPort, "GET", "/health/live", hub(), null).statusCode()).isEqualTo(200);
    }
}
