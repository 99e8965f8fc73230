package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.oarspawner.oar.LocalCluster;

/**
 * The whole path through Debian's JupyterHub 3.0 and its configurable-http-proxy: the hub's REST API spawns
 * jupyterhub-singleuser as an OAR job through the shim and the service, and the notebook answers through CHP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HubIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String HUB = "http://127.0.0.1:8000";

    private Process service;
    private String hubToken;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        // A fresh hub database: servers left by another run would make the hub wait on each at start.
        Path db = Files.createTempFile("jupyterhub-hubit", ".sqlite");
        Files.delete(db);
        hubEnv = "sqlite:///" + db;
        run("bash", ROOT.resolve("deploy/hub.sh").toString(), "restart");
        hubToken = Files.readString(LocalCluster.STATE.resolve("hub-api-token")).strip();
        Path log = Files.createTempFile("oarspawner-hubit", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                ROOT.resolve("deploy/config/oarspawner.yaml").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OARSPAWNER_INSTANCE", "hubit");
        pb.environment().put("OARSPAWNER_POLL_TICK", "500ms");
        pb.environment().put("OARSPAWNER_PROXY__API_URL", "http://127.0.0.1:8001");
        pb.environment().put("OARSPAWNER_PROXY__AUTH_TOKEN_FILE", LocalCluster.STATE.resolve("proxy-token").toString());
        service = pb.start();
        for (int i = 0; i < 300; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9081/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                if (!service.isAlive()) {
                    throw new AssertionError("the service exited: " + Files.readString(log));
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the service did not answer: " + Files.readString(log));
    }

    @AfterAll
    void stop() throws Exception {
        for (String path : List.of("/hub/api/users/alice/server", "/hub/api/users/alice/servers/gpu", "/hub/api/users/bob/server")) {
            hub("DELETE", path, null);
        }
        Thread.sleep(2000);
        service.destroy();
        service.waitFor(20, TimeUnit.SECONDS);
        run("bash", ROOT.resolve("deploy/hub.sh").toString(), "stop");
    }

    private String hubEnv;

    private void run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("OARSPAWNER_HUB_DB_URL", hubEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
    }

    private HttpResponse<String> hub(String method, String path, JsonObject body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(HUB + path)).header("Authorization", "token " + hubToken)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads the hub's progress stream to its end (ready or failed). */
    private List<JsonObject> progress(String path) {
        return ServerSentEvents.readAll(http, HttpRequest.newBuilder(URI.create(HUB + path))
                .header("Authorization", "token " + hubToken).timeout(Duration.ofSeconds(180)).build());
    }


    private static int jobsNamed(String user, String server) {
        String out = LocalCluster.run("oarstat", "-J", "--sql",
                "job_name = 'oarspawner:hubit:" + user + ":" + server + "' and state not in ('Terminated','Error')");
        return out.isBlank() ? 0 : new JsonObject(out).size();
    }

    private JsonObject routes() throws Exception {
        String token = Files.readString(LocalCluster.STATE.resolve("proxy-token")).strip();
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8001/api/routes"))
                .header("Authorization", "token " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void spawnThroughTheHubReachTheNotebookStopAndLeaveNothing() throws Exception {
        assertThat(hub("POST", "/hub/api/users/bob", null).statusCode()).isIn(201, 409);
        long t0 = System.nanoTime();
        HttpResponse<String> spawn = hub("POST", "/hub/api/users/bob/server",
                new JsonObject().put("profile", "cpu-1core-2h").put("project", LocalCluster.PROJECT));
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
        List<JsonObject> events = progress("/hub/api/users/bob/server/progress");
        System.out.printf("hub spawn to ready: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        List<String> messages = events.stream().map(e -> e.getString("message")).toList();
        assertThat(events.get(events.size() - 1).getBoolean("ready")).as(messages.toString()).isTrue();
        assertThat(messages).anyMatch(m -> m.startsWith("Submitted as job")).anyMatch(m -> m.contains("is running on node node-cpu"));
        assertThat(events.stream().map(e -> e.getInteger("progress")).toList()).isSorted();

        HttpResponse<String> status = hub("GET", "/user/bob/api/status", null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(routes().getJsonObject("/user/bob").getString("target")).startsWith("http://node-cpu:");
        assertThat(jobsNamed("bob", "")).isEqualTo(1);

        assertThat(hub("DELETE", "/hub/api/users/bob/server", null).statusCode()).isIn(202, 204);
        for (int i = 0; i < 100 && (routes().containsKey("/user/bob") || jobsNamed("bob", "") > 0); i++) {
            Thread.sleep(300);
        }
        assertThat(routes().containsKey("/user/bob")).isFalse();
        assertThat(jobsNamed("bob", "")).isZero();
    }

    @Test
    void twoNamedServersOnTheCpuAndTheGpuNode() throws Exception {
        assertThat(hub("POST", "/hub/api/users/alice", null).statusCode()).isIn(201, 409);
        hub("POST", "/hub/api/users/alice/server", new JsonObject().put("profile", "cpu-1core-2h"));
        hub("POST", "/hub/api/users/alice/servers/gpu", new JsonObject().put("profile", "gpu-a100-4h"));
        List<JsonObject> cpu = progress("/hub/api/users/alice/server/progress");
        List<JsonObject> gpu = progress("/hub/api/users/alice/servers/gpu/progress");
        assertThat(cpu.get(cpu.size() - 1).getBoolean("ready")).as(cpu.toString()).isTrue();
        assertThat(gpu.get(gpu.size() - 1).getBoolean("ready")).as(gpu.toString()).isTrue();
        assertThat(hub("GET", "/user/alice/api/status", null).statusCode()).isEqualTo(200);
        assertThat(hub("GET", "/user/alice/gpu/api/status", null).statusCode()).isEqualTo(200);
        JsonObject routes = routes();
        assertThat(routes.getJsonObject("/user/alice").getString("target")).startsWith("http://node-cpu:");
        assertThat(routes.getJsonObject("/user/alice/gpu").getString("target")).startsWith("http://node-gpu:");
    }
}
