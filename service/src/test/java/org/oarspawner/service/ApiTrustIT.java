package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.oarspawner.http.RawHttp;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 8, item 8 (the API's part), on the service as a real process against the real OAR cluster: token rules,
 * system logins, every 4xx with its field, /health/ready's pings, and the event stream's end. No request here
 * may leave a job in OAR but the one the SSE case starts on purpose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiTrustIT {
    ServiceProcess svc;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        svc = new ServiceProcess(ServiceProcess.freshInstance("trust"), Map.of()).start();
    }

    @AfterAll
    void stop() throws Exception {
        svc.close();
    }

    static JsonObject body() {
        return new JsonObject().put("cluster", "cpu").put("project", LocalCluster.PROJECT).put("walltime", "0:10")
                .put("command", new JsonArray(List.of("sleep", "600")));
    }

    static void assertError(RawHttp.Response r, int status, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().getString("code")).isNotBlank();
        assertThat(r.json().getString("message")).isNotBlank();
        if (field != null) {
            assertThat(r.json().getString("field")).as(r.body()).isEqualTo(field);
        }
    }

    @Test
    void tokensWithoutExpOrWithRolesNotAnArrayAre401() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        JsonObject hub = new JsonObject().put("sub", "jupyterhub").put("roles", new JsonArray().add("hub"));
        RawHttp.Response noExp = RawHttp.send(svc.port, "PUT", "/api/v1/users/alice/servers/noexp", svc.bareToken(hub), body().encode());
        assertError(noExp, 401, null);
        assertThat(noExp.json().getString("message")).contains("exp");
        RawHttp.Response tooLong = RawHttp.send(svc.port, "GET", "/api/v1/servers", svc.bareToken(hub.copy().put("iat", now)
                .put("exp", now + 86_400)), null);
        assertError(tooLong, 401, null);
        assertThat(tooLong.json().getString("message")).contains("jwt.maxLifetime");
        String stringRoles = svc.token(new JsonObject().put("sub", "alice").put("roles", "hub"), 300);
        RawHttp.Response roles = RawHttp.send(svc.port, "PUT", "/api/v1/users/alice/servers/roles", stringRoles, body().encode());
        assertError(roles, 401, null);
        assertThat(roles.json().getString("message")).contains("roles");
        assertThat(svc.jobsInOar("alice", null)).isZero();
    }

    @Test
    void rootIs403AndNothingRuns() throws Exception {
        RawHttp.Response r = RawHttp.send(svc.port, "PUT", "/api/v1/users/root/servers/x", svc.hub(), body().encode());
        assertError(r, 403, "user");
        assertThat(r.json().getString("code")).isEqualTo("login_denied");
        assertThat(svc.jobsInOar("root", null)).isZero();
        assertThat(svc.server("root", "x").isEmpty()).isTrue();
    }

    @Test
    void invalidRequestsAre400WithTheirFieldAndNothingRuns() throws Exception {
        assertError(RawHttp.send(svc.port, "PUT", "/api/v1/users/alice/servers/wt", svc.hub(),
                body().put("walltime", "0:10\n").encode()), 400, "walltime");
        assertError(RawHttp.send(svc.port, "PUT", "/api/v1/users/alice/servers/env", svc.hub(),
                body().put("environment", new JsonObject().put("BIG", "x".repeat(70_000))).encode()), 400, "environment.BIG");
        assertError(RawHttp.send(svc.port, "PUT", "/api/v1/users/alice/servers/nl%0A", svc.hub(), body().encode()), 400, "name");
        RawHttp.Response uri = RawHttp.send(svc.port, "GET", "/api/v1/users/alice/servers/" + "x".repeat(5000), svc.hub(), null);
        assertError(uri, 414, "path");
        assertThat(svc.jobsInOar("alice", null)).isZero();
    }

    @Test
    void healthReadyPingsEachClusterAtMostOncePerTick() throws Exception {
        double before = pings();
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(svc.base() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double pinged = pings() - before;
        // The poll tick is 500 ms here: one ping per started half second, plus the one in flight at the start.
        double bound = Math.floor(seconds / 0.5) + 1;
        System.out.printf("100 unauthenticated /health/ready in %.1f s: %.0f pings of cluster cpu (at most %.0f)%n", seconds, pinged, bound);
        assertThat(pinged).isPositive().isLessThanOrEqualTo(bound);
    }

    @Test
    void theEventStreamEndsAfterTheLastEventWhateverLastEventId() throws Exception {
        JsonObject failing = body().put("command", new JsonArray(List.of("/bin/sh", "-c", "exit 3")));
        assertThat(svc.call("PUT", "/api/v1/users/alice/servers/sse", svc.hub(), failing).statusCode()).isEqualTo(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!svc.server("alice", "sse").getString("state").equals("failed")) {
            assertThat(System.nanoTime()).as("the job never failed").isLessThan(deadline);
            Thread.sleep(250);
        }
        for (String last : List.of("0", "1000")) {
            // The whole body within 20 s: a stream left open fails here (HttpClient's own timeout stops at the headers).
            HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(URI.create(svc.base() + "/api/v1/users/alice/servers/sse/events"))
                    .header("Authorization", "Bearer " + svc.hub()).header("Last-Event-ID", last).build(),
                    HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            if (last.equals("0")) {
                assertThat(r.body()).contains("\"failed\":true");
                // Every event from "Submitted as job N" on carries the job id (issue 12): what the hub shows at once.
                long job = svc.server("alice", "sse").getLong("jobId");
                List<JsonObject> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> new JsonObject(l.substring(6))).toList();
                int submitted = data.stream().map(d -> d.getString("message")).toList().indexOf("Submitted as job " + job + " on cluster cpu");
                assertThat(submitted).as(r.body()).isPositive();
                assertThat(data.subList(0, submitted)).as(r.body()).allMatch(d -> !d.containsKey("jobId"));
                assertThat(data.subList(submitted, data.size())).as(r.body()).allMatch(d -> Long.valueOf(job).equals(d.getLong("jobId")));
            } else {
                assertThat(r.body()).doesNotContain("data:");
            }
        }
    }

    private double pings() throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(svc.base() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^oarspawner_oar_command_duration_seconds_count\\{cluster=\"cpu\",command=\"ping\",outcome=\"success\"[^}]*} ([0-9.eE+-]+)$",
                Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no ping count for cluster cpu in /metrics");
        }
        return Double.parseDouble(m.group(1));
    }
}
