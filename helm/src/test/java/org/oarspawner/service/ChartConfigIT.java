package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oarspawner.helm.ChartFixture;
import org.oarspawner.oar.LocalCluster;
import tools.jackson.databind.JsonNode;

/**
 * The chart's configuration is one the service accepts: helm/oarspawner rendered with the local platform's values
 * (helm/src/test/resources/local-platform-values.yaml), its ConfigMap's oarspawner.yaml written to a file, and the
 * service's runnable jar started with it (ServiceProcess, as the other process ITs) against the local OAR cluster:
 * one spawn, ready, then stopped with its job gone. ServiceProcess only sets the instance (fresh per run), the port
 * (a free one) and the poll tick; every other key is the chart's.
 *
 * <p>It lives in module helm, with helm-java and the chart's other tests, so that the service module does not carry
 * Helm's native library; it is in ServiceProcess's package (from service's test-jar) to reuse it as it is.
 */
class ChartConfigIT {
    static final Path LOCAL_VALUES = ChartFixture.ROOT.resolve("helm/src/test/resources/local-platform-values.yaml");

    @Test
    void theRenderedConfigurationRunsTheServiceThroughOneSpawn() throws Exception {
        String rendered = ChartFixture.render(List.of(LOCAL_VALUES), Map.of());
        JsonNode configMap = ChartFixture.documents(rendered).stream()
                .filter(d -> d.path("kind").asString().equals("ConfigMap")
                        && d.at("/metadata/name").asString().equals(ChartFixture.RELEASE))
                .findFirst().orElseThrow();
        String config = configMap.at("/data/oarspawner.yaml").asString();
        assertThat(config).contains("host: 0.0.0.0").contains("hmacSecretFile: /var/lib/oarspawner-dev/jwt-secret")
                .doesNotContain("publicKeys").doesNotContain("proxy:");
        Path file = Files.createTempFile("oarspawner-chart", ".yaml");
        Files.writeString(file, config);

        String instance = ServiceProcess.freshInstance("chart");
        try (ServiceProcess service = new ServiceProcess(instance, file, Map.of()).start()) {
            HttpResponse<String> put = service.call("PUT", "/api/v1/users/alice/servers/chart",
                    ServiceProcess.body("cpu", 0, LocalCluster.HTTP_SERVER));
            // PUT answers at once (202); the job id comes once oarsub has answered.
            assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
            long jobId = service.jobOf("alice", "chart");
            JsonObject ready = service.waitFor("alice", "chart", s -> List.of("ready", "failed").contains(s.getString("state")));
            assertThat(ready.getString("state")).as(ready.encode()).isEqualTo("ready");
            assertThat(ready.getLong("jobId")).isEqualTo(jobId);
            assertThat(LocalCluster.get(ready.getString("url") + "/").statusCode()).isEqualTo(200);
            assertThat(service.call("GET", "/health/ready", null).statusCode()).isEqualTo(200);
            // The profiles are the chart's.
            assertThat(service.call("GET", "/api/v1/profiles", null).body()).contains("cpu-1core-2h");

            HttpResponse<String> delete = service.call("DELETE", "/api/v1/users/alice/servers/chart", null);
            assertThat(delete.statusCode()).isEqualTo(202);
            assertThat(service.waitFor("alice", "chart", s -> s.getString("state").equals("stopped")).getLong("jobId"))
                    .isEqualTo(jobId);
            ServiceProcess.waitUntil(() -> service.jobsNamed("alice", "chart") == 0, "no job left for alice/chart");
            System.out.println("chart's configuration: job " + jobId + " ready then stopped; service log " + service.log);
        }
    }
}
