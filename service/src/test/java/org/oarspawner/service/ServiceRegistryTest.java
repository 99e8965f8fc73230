package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.HttpMetrics;
import org.oarspawner.metrics.MicrometerMetrics;

/** The service's registry as Main makes it, with Vert.x's HTTP meters and ours: promtool finds nothing to say. */
class ServiceRegistryTest {
    @Test
    void aScrapeOfTheServicesRegistryPassesPromtool() throws Exception {
        PrometheusMeterRegistry registry = Main.registry();
        new MicrometerMetrics(registry, List.of("cpu", "gpu"), (cluster, state) -> 0);
        Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(HttpMetrics.options()))
                .withMetrics(new MicrometerMetricsFactory(registry)).build();
        try {
            Router router = Router.router(vertx);
            router.get("/api/v1/users/:user/servers/:name").handler(rc -> rc.response().end("ok"));
            int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String path : List.of("/api/v1/users/alice/servers/lab", "/nowhere")) {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            System.gc();
            String scrape = registry.scrape();
            assertThat(scrape).contains("\nprocess_cpu_seconds_total ", "\nsystem_cpus ", "\nprocess_resident_memory_bytes ", "\njvm_gc_pause_seconds_count{",
                    "\nvertx_http_server_response_time_seconds_bucket{code=\"200\",method=\"GET\",route=\"/api/v1/users/:user/servers/:name\",le=\"0.005\"} ");
            assertThat(scrape).doesNotContain("process_cpu_time_ns", "system_cpu_count", "alice");
            assertThat(Promtool.checkMetrics(scrape)).isEmpty();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
