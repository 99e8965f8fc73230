package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oarspawner.http.HostilePaths;
import org.oarspawner.http.RawHttp;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 11, items 2 and 3, on the real cluster (deploy/cluster/setup.sh enables oarwalltime, at most +2 h): an
 * extension through POST .../walltime is accepted and OAR's walltime grows; one over OAR's maximum increase is refused
 * with OAR's own message; one over the service's maxWalltime never reaches oarwalltime; alice's user token cannot
 * extend bob's server by any path. Then the warning before the end: with a 60 s lead on a 2 min walltime, "ending soon"
 * comes about 60 s before the end, OAR's checkpoint signals reach the job script, and the notebook still answers.
 */
class WalltimeIT {
    private static final List<String> NOTEBOOK = List.of("python3", "-m", "http.server", "--bind", "{host}", "{port}");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void anExtensionIsAcceptedOverTheMaximumRefusedAndNeverSentForAnotherUser() throws Exception {
        // The service allows 12:00 in all: OAR's WALLTIME_MAX_INCREASE (2 h) is what refuses +2:00 on top of +0:05.
        try (ServiceProcess svc = new ServiceProcess(ServiceProcess.freshInstance("walltime"), Map.of()).start()) {
            assertThat(svc.call("PUT", "/api/v1/users/bob/servers/real", ServiceProcess.body("cpu", 0, NOTEBOOK).put("walltime", "0:20"))
                    .statusCode()).isEqualTo(202);
            assertThat(svc.call("PUT", "/api/v1/users/alice/servers/ext", ServiceProcess.body("cpu", 0, NOTEBOOK).put("walltime", "0:20"))
                    .statusCode()).isEqualTo(202);
            JsonObject bob = svc.waitFor("bob", "real", s -> "ready".equals(s.getString("state")));
            JsonObject alice = svc.waitFor("alice", "ext", s -> "ready".equals(s.getString("state")));
            assertThat(alice.getLong("walltimeSeconds")).isEqualTo(1200L);
            assertThat(alice.getString("endsAt")).isNotNull();
            assertThat(alice.getBoolean("endingSoon")).isFalse();
            assertThat(alice.getValue("walltimeChange")).isNull();

            // Trust: alice's user token against bob's server, by the plain path and every hostile form.
            String aliceToken = svc.user("alice");
            String add = new JsonObject().put("add", "1:00").encode();
            int sent = 0;
            for (String server : List.of("real", "x")) {
                List<String> paths = new java.util.ArrayList<>(HostilePaths.to("alice", "bob", server));
                paths.add("/api/v1/users/bob/servers/" + server);
                for (String path : paths) {
                    RawHttp.Response r = RawHttp.send(svc.port, "POST", path + "/walltime", aliceToken, add);
                    sent++;
                    assertThat(r.status()).as("POST %s/walltime: %s", path, r.body()).isBetween(400, 499);
                    assertThat(r.json().getString("code")).as(r.body()).isNotBlank();
                }
            }
            // Over the service's own limit: refused before any command.
            HttpResponse<String> tooLong = svc.call("POST", "/api/v1/users/alice/servers/ext/walltime", aliceToken,
                    new JsonObject().put("add", "12:00"));
            assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(400);
            assertThat(new JsonObject(tooLong.body()).getString("field")).isEqualTo("add");
            assertThat(new JsonObject(tooLong.body()).getString("message")).contains("12:00:00", "at most 11:40:00 can be added");
            HttpResponse<String> zero = svc.call("POST", "/api/v1/users/alice/servers/ext/walltime", aliceToken,
                    new JsonObject().put("add", "0:00"));
            assertThat(zero.statusCode()).as(zero.body()).isEqualTo(400);
            HttpResponse<String> none = svc.call("POST", "/api/v1/users/alice/servers/nosuch/walltime", aliceToken,
                    new JsonObject().put("add", "0:05"));
            assertThat(none.statusCode()).as(none.body()).isEqualTo(404);
            double oarwalltimeRuns = oarwalltimeRuns(svc);
            int ran = (int) oarwalltimeRuns + (walltimeInOar(bob.getLong("jobId")) != 1200 ? 1 : 0)
                    + (walltimeInOar(alice.getLong("jobId")) != 1200 ? 1 : 0);
            System.out.println("hostile walltime requests: " + sent + ", ran anything: " + ran + " (oarwalltime runs: "
                    + oarwalltimeRuns + ")");
            assertThat(ran).isZero();

            // alice extends her own server by 5 min.
            long t0 = System.nanoTime();
            HttpResponse<String> accepted = svc.call("POST", "/api/v1/users/alice/servers/ext/walltime", aliceToken,
                    new JsonObject().put("add", "0:05"));
            long answered = System.nanoTime();
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            JsonObject pending = new JsonObject(accepted.body()).getJsonObject("walltimeChange");
            assertThat(pending.getString("state")).isEqualTo("pending");
            assertThat(pending.getString("add")).isEqualTo("0:05:00");
            assertThat(pending.getString("message")).startsWith("Accepted: walltime change request");
            long job = alice.getLong("jobId");
            ServiceProcess.waitUntil(() -> walltimeInOar(job) == 1500, "OAR shows job " + job + " with 1500 s");
            long inOar = System.nanoTime();
            JsonObject applied = svc.waitFor("alice", "ext", s -> s.getJsonObject("walltimeChange") != null
                    && "applied".equals(s.getJsonObject("walltimeChange").getString("state")));
            long inService = System.nanoTime();
            assertThat(applied.getLong("walltimeSeconds")).isEqualTo(1500L);
            assertThat(Instant.parse(applied.getString("endsAt"))).isEqualTo(Instant.parse(alice.getString("endsAt")).plusSeconds(300));
            assertThat(applied.getJsonObject("walltimeChange").getString("message")).contains("Walltime extended by 0:05:00", "now ends at");
            System.out.printf("POST -> 202: %d ms; POST -> OAR shows the new walltime: %d ms; POST -> the service shows it applied: %d ms%n",
                    (answered - t0) / 1_000_000, (inOar - t0) / 1_000_000, (inService - t0) / 1_000_000);

            // 2 h more is over OAR's WALLTIME_MAX_INCREASE (5 min of it already granted): OAR's own words come back.
            HttpResponse<String> over = svc.call("POST", "/api/v1/users/alice/servers/ext/walltime", aliceToken,
                    new JsonObject().put("add", "2:00"));
            assertThat(over.statusCode()).as(over.body()).isEqualTo(409);
            JsonObject overBody = new JsonObject(over.body());
            assertThat(overBody.getString("code")).isEqualTo("walltime_change_refused");
            assertThat(overBody.getString("message")).startsWith("Forbidden:").contains("cannot increase by more than 2:0:0");
            assertThat(svc.server("alice", "ext").getJsonObject("walltimeChange").getString("state")).isEqualTo("refused");
            assertThat(walltimeInOar(job)).isEqualTo(1500);
            // The events: the request and its application are in alice's spawn log.
            assertThat(svc.log()).contains("event=walltime_extended user=alice server=ext cluster=cpu job=" + job);
            // bob's server and job untouched.
            assertThat(walltimeInOar(bob.getLong("jobId"))).isEqualTo(1200);
            assertThat(svc.server("bob", "real").getString("state")).isEqualTo("ready");
            assertThat(svc.server("bob", "real").getValue("walltimeChange")).isNull();
        }
    }

    @Test
    void endingSoonComesItsLeadBeforeTheEndAndTheSignalsDoNotKillTheNotebook() throws Exception {
        try (ServiceProcess svc = new ServiceProcess(ServiceProcess.freshInstance("ending"),
                Map.of("OARSPAWNER_CLUSTERS__GPU__CHECKPOINT", "60s")).start()) {
            assertThat(svc.call("PUT", "/api/v1/users/alice/servers/short", ServiceProcess.body("gpu", 1, NOTEBOOK).put("walltime", "0:02"))
                    .statusCode()).isEqualTo(202);
            JsonObject ready = svc.waitFor("alice", "short", s -> "ready".equals(s.getString("state")));
            assertThat(ready.getBoolean("endingSoon")).isFalse();
            long job = ready.getLong("jobId");
            Instant endsAt = Instant.parse(ready.getString("endsAt"));
            int beforeWarning = svc.readEvents("/api/v1/users/alice/servers/short/events", 0).size();

            JsonObject soon = svc.waitFor("alice", "short", s -> Boolean.TRUE.equals(s.getBoolean("endingSoon")));
            Instant arrived = Instant.now();
            long early = Duration.between(arrived, endsAt).toMillis();
            System.out.printf("ending soon arrived %.1f s before the end (lead 60 s)%n", early / 1000.0);
            assertThat(early).as("ms before the end").isPositive().isLessThanOrEqualTo(62_000);
            assertThat(soon.getString("message")).startsWith("Your session on gpu ends at ").contains("save your work, or extend it");
            List<JsonObject> after = svc.readEvents("/api/v1/users/alice/servers/short/events", beforeWarning);
            assertThat(after).first().satisfies(e -> assertThat(e.getString("message")).startsWith("Your session on gpu ends at "));

            // OAR signals the job script from 60 s before the end, again every ~10 s: the notebook answers after two.
            ServiceProcess.waitUntil(() -> checkpoints(job) >= 2, "two checkpoint signals for job " + job);
            int signals = checkpoints(job);
            HttpResponse<String> notebook = http.send(HttpRequest.newBuilder(URI.create(soon.getString("url") + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("checkpoint signals sent by OAR: " + signals + "; the notebook answered " + notebook.statusCode());
            assertThat(notebook.statusCode()).isEqualTo(200);
            assertThat(svc.server("alice", "short").getString("state")).isEqualTo("ready");

            // An extension moves the end beyond the lead: the warning clears.
            HttpResponse<String> extend = svc.call("POST", "/api/v1/users/alice/servers/short/walltime", svc.user("alice"),
                    new JsonObject().put("add", "0:05"));
            assertThat(extend.statusCode()).as(extend.body()).isEqualTo(202);
            JsonObject cleared = svc.waitFor("alice", "short", s -> Boolean.FALSE.equals(s.getBoolean("endingSoon")));
            assertThat(cleared.getJsonObject("walltimeChange").getString("state")).isEqualTo("applied");
            assertThat(cleared.getLong("walltimeSeconds")).isEqualTo(420L);
        }
    }

    /** The job's walltime as OAR shows it, in seconds. */
    private static int walltimeInOar(long job) {
        JsonObject all = new JsonObject(LocalCluster.run("oarstat", "-fJ", "-j", Long.toString(job)));
        return all.getJsonObject(Long.toString(job)).getInteger("walltime");
    }

    /** How many checkpoint signals OAR logged for the job. */
    private static int checkpoints(long job) {
        JsonObject all = new JsonObject(LocalCluster.run("oarstat", "-fJ", "-j", Long.toString(job)));
        JsonArray events = all.getJsonObject(Long.toString(job)).getJsonArray("events", new JsonArray());
        return (int) events.stream().filter(e -> "CHECKPOINT".equals(((JsonObject) e).getString("type"))).count();
    }

    /** oarwalltime commands the service ran on cpu, whatever their outcome. */
    private static double oarwalltimeRuns(ServiceProcess svc) throws Exception {
        return svc.metric("oarspawner_oar_command_duration_seconds_count", "cluster=\"cpu\",command=\"oarwalltime\",outcome=\"success\"")
                + svc.metric("oarspawner_oar_command_duration_seconds_count", "cluster=\"cpu\",command=\"oarwalltime\",outcome=\"failure\"");
    }
}
