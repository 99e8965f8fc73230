package org.oarspawner.service;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Prometheus (/usr/bin/prometheus) as a process of the test: its own port and its own TSDB under
 * service/target/prometheus, scraping one target as job "oarspawner" every 2 s and evaluating the project's rule file
 * as it is (deploy/monitoring/oarspawner-rules.yml) every 2 s. Its HTTP API is what the tests query.
 */
final class PrometheusServer implements AutoCloseable {
    static final Path HOME = Monitoring.ROOT.resolve("service/target/prometheus");
    static final String BINARY = System.getProperty("prometheus", "/usr/bin/prometheus");

    final int port;
    final Path log = HOME.resolve("prometheus.log");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    PrometheusServer(String target) throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = HOME.resolve("data");
        if (Files.exists(data)) {
            try (Stream<Path> files = Files.walk(data)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(HOME);
        Path config = HOME.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}",
                "rule_files: ['" + Monitoring.RULES + "']",
                "scrape_configs:",
                "  - job_name: oarspawner",
                "    static_configs: [{targets: ['" + target + "']}]", ""));
        process = new ProcessBuilder(BINARY, "--config.file=" + config, "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.retention.time=1d")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited: " + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus not ready in 30 s: " + Files.readString(log));
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A call to the HTTP API that must succeed: its whole answer ({"status": "success", "data": ...}). */
    private JsonObject api(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        JsonObject body = new JsonObject(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.getString("status"))) {
            throw new AssertionError("prometheus " + path + ": " + r.statusCode() + " " + r.body());
        }
        return body;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** query_range from start to end (Unix seconds) with this step: the result's series. */
    JsonArray queryRange(String query, long start, long end, int step) throws IOException, InterruptedException {
        return api("/api/v1/query_range?query=" + enc(query) + "&start=" + start + "&end=" + end + "&step=" + step)
                .getJsonObject("data").getJsonArray("result");
    }

    JsonArray query(String query) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + enc(query)).getJsonObject("data").getJsonArray("result");
    }

    /** The values a label takes on the series that match a selector, as Grafana's label_values() asks for them. */
    List<String> labelValues(String label, String match) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        api("/api/v1/label/" + label + "/values?match[]=" + enc(match)).getJsonArray("data")
                .forEach(v -> out.add((String) v));
        return out;
    }

    /** /api/v1/alerts: the pending and firing alerts. */
    List<JsonObject> alerts() throws IOException, InterruptedException {
        List<JsonObject> out = new ArrayList<>();
        api("/api/v1/alerts").getJsonObject("data").getJsonArray("alerts").forEach(a -> out.add((JsonObject) a));
        return out;
    }

    /** The health of the scrape target ("up", "down", "unknown"). */
    String targetHealth() throws IOException, InterruptedException {
        JsonArray active = api("/api/v1/targets").getJsonObject("data").getJsonArray("activeTargets");
        return active.isEmpty() ? "none" : active.getJsonObject(0).getString("health");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
