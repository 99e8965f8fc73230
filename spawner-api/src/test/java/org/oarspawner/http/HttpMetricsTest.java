package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The REST API's own meters: the route label is a route template from the code, whatever the client sends. */
class HttpMetricsTest extends ApiServerFixture {
    private static final String SERVER = "/api/v1/users/:user/servers/:name";

    @Test
    void routeLabelIsTheTemplateNeverTheRawPath() throws Exception {
        call("PUT", "/api/v1/users/carol/servers/lab", hub(),
                "{\"profile\": \"cpu-small\", \"command\": [\"jupyterhub-singleuser\"], \"environment\": {}}");
        call("GET", "/api/v1/users/carol/servers/lab", hub(), null);
        call("GET", "/api/v1/users/dave/servers/lab", user("erin"), null);
        call("GET", "/api/v1/users/frank/servers/lab", null, null);
        call("GET", "/api/v1/users/gina/../henry/servers/x", null, null);
        call("GET", "/ivan/nowhere", null, null);
        call("FOO", "/api/v1/users/judy/servers/lab", hub(), null);
        call("GET", "/health/live", null, null);

        List<String> requests = scrape().stream().filter(l -> l.startsWith("vertx_http_server_requests_total{")).toList();
        assertThat(requests).contains(
                "vertx_http_server_requests_total{code=\"202\",method=\"PUT\",route=\"" + SERVER + "\"} 1.0",
                "vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"" + SERVER + "\"} 1.0",
                "vertx_http_server_requests_total{code=\"400\",method=\"GET\",route=\"path-guard\"} 1.0",
                "vertx_http_server_requests_total{code=\"404\",method=\"GET\",route=\"not-found\"} 1.0",
                "vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/health/live\"} 1.0");
        // Refused by authentication and authorization: the route that refused, as a template.
        assertThat(requests).anyMatch(l -> l.contains("code=\"401\"") && l.contains("route=\"/api/v1/\""));
        assertThat(requests).anyMatch(l -> l.contains("code=\"403\"") && l.contains("route=\"/api/v1/users/:user/\""));
        assertThat(requests).anyMatch(l -> l.contains("method=\"other\""));
        for (String name : List.of("carol", "dave", "erin", "frank", "gina", "henry", "ivan", "judy", "FOO", ">")) {
            assertThat(scrape()).filteredOn(l -> l.startsWith("vertx_http_server")).noneMatch(l -> l.contains(name));
        }
        assertThat(scrape()).anyMatch(l -> l.startsWith("vertx_http_server_response_time_seconds_bucket{")
                && l.contains("method=\"PUT\"") && l.contains("route=\"" + SERVER + "\"") && l.contains("le=\"0.1\""));
    }

    @Test
    void routeIsTheLastRouteTaken() {
        assertThat(org.oarspawner.metrics.HttpMetricsAccess.route("/api/v1/>/api/v1/>" + SERVER)).isEqualTo(SERVER);
        assertThat(org.oarspawner.metrics.HttpMetricsAccess.route("")).isEqualTo("none");
    }

    private List<String> scrape() throws Exception {
        return call("GET", "/metrics", null, null).body().lines().toList();
    }
}
