package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.micrometer.MicrometerMetricsFactory;
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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.config.ConfigNode;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.metrics.HttpMetrics;
import org.oarspawner.spawn.SpawnManager;

/**
 * A real API server on a random port, with NoClusterScheduler (any request that reached a cluster would answer
 * 503), an ES256 key and an HS256 secret, and a second server with the ops endpoints closed; plus token helpers.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiServerFixture {
    static final String ISSUER = "https://hub.example.org";
    static final String HMAC = "0123456789abcdef0123456789abcdef-test-secret";

    Path dir;
    Vertx vertx;
    /** The first server's registry, which also gets Vert.x's HTTP server meters. */
    PrometheusMeterRegistry registry;
    SpawnManager manager;
    int port;
    int closedOpsPort;
    KeyPair trusted;
    KeyPair stranger;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpMetrics.configure(registry);
        vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(HttpMetrics.options()))
                .withMetrics(new MicrometerMetricsFactory(registry)).build();
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
                logins: {mode: same, deny: [sysop]}
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
        port = startServer(yaml, Map.of(), registry);
        closedOpsPort = startServer(yaml, Map.of("OARSPAWNER_HTTP__OPEN_OPS", "false"), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private int startServer(String yaml, Map<String, String> env, PrometheusMeterRegistry registry) throws Exception {
        ServiceConfig config = ServiceConfig.from(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), env));
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

}
