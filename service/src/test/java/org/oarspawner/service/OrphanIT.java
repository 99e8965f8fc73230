package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.service.HubStack.ORPHAN_GRACE;
import static org.oarspawner.service.HubStack.await;
import static org.oarspawner.service.HubStack.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.LocalCluster;

/**
 * Reconciliation with the real hub (issue 8, item 3): a job whose server the hub does not know is cancelled once
 * the reachable hub has said so for hub.orphanGrace (HubStack.ORPHAN_GRACE here); a server the hub knows
 * is never cancelled; nothing is cancelled while the hub is stopped.
 */
@ExtendWith(HubStack.Extension.class)
class OrphanIT {
    private static final JsonObject CPU = new JsonObject().put("profile", "cpu-1core-2h");

    /** Starts alice's named server through the hub, waits until the hub has it ready, and returns its job. */
    private static long readyThroughHub(HubStack hub, String server) throws Exception {
        assertThat(hub.hub("POST", "/hub/api/users/alice", null).statusCode()).isIn(201, 409);
        assertThat(hub.hub("POST", HubStack.serverPath("alice", server), CPU).statusCode()).isIn(201, 202);
        await("alice/" + server + " ready", Duration.ofSeconds(90), () -> {
            JsonObject s = hub.hubServer("alice", server);
            return s != null && Boolean.TRUE.equals(s.getBoolean("ready"));
        });
        return jobs("alice", server).get(0);
    }

    @Test
    void aJobTheHubDoesNotKnowIsCancelledAfterTheGraceAndOneItKnowsNever(HubStack hub) throws Exception {
        // alice/known through the hub.
        long known = readyThroughHub(hub, "known");

        // bob/ghost behind the hub's back, as a start whose hub forgot it would leave it.
        long mark = hub.logMark();
        long t0 = System.nanoTime();
        long ghost = put(hub, "bob", "ghost");
        String line = hub.awaitLog(mark, ORPHAN_GRACE.multipliedBy(4), "event=orphan_cancelled", "user=bob", "server=ghost");
        long cancelledAfter = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("bob/ghost (job %d) cancelled %d ms after its PUT; grace %d s%n", ghost, cancelledAfter, ORPHAN_GRACE.toSeconds());
        assertThat(line).contains("cluster=cpu", "job=" + ghost);
        assertThat(cancelledAfter).as("never before the grace").isGreaterThanOrEqualTo(ORPHAN_GRACE.toMillis());
        await("job " + ghost + " ended in OAR", Duration.ofSeconds(60), () -> jobs("bob", "ghost").isEmpty());
        assertThat(metric("oarspawner_orphans_cancelled_total{cluster=\"cpu\"")).isEqualTo(1.0);

        // The server the hub knows lived through more than the grace, and still does.
        assertThat(hub.logSince(mark)).doesNotContain("server=known");
        assertThat(jobs("alice", "known")).containsExactly(known);
        assertThat(hub.hubServer("alice", "known").getBoolean("ready")).isTrue();
        assertThat(hub.hub("GET", "/user/alice/known/api/status", null).statusCode()).isEqualTo(200);
    }

    @Test
    void nothingIsCancelledWhileTheHubIsStopped(HubStack hub) throws Exception {
        long mark = hub.logMark();
        long ghost = put(hub, "bob", "ghost2");
        hub.stopHub();
        try {
            LocalCluster.sleep(ORPHAN_GRACE.multipliedBy(2).toMillis());
            assertThat(jobs("bob", "ghost2")).as("the hub is down: nothing cancelled").containsExactly(ghost);
            assertThat(hub.logSince(mark)).contains("event=hub_unreachable").doesNotContain("event=orphan_cancelled");
        } finally {
            hub.restartHub();
        }
        long back = System.nanoTime();
        hub.awaitLog(mark, ORPHAN_GRACE.multipliedBy(4), "event=orphan_cancelled", "user=bob", "server=ghost2", "job=" + ghost);
        long after = (System.nanoTime() - back) / 1_000_000;
        System.out.printf("bob/ghost2 (job %d) cancelled %d ms after the hub came back; grace %d s%n", ghost, after, ORPHAN_GRACE.toSeconds());
        assertThat(after).as("a whole grace after the hub answered again").isGreaterThanOrEqualTo(ORPHAN_GRACE.toMillis() - 1000);
        await("job " + ghost + " ended in OAR", Duration.ofSeconds(60), () -> jobs("bob", "ghost2").isEmpty());
    }

    /**
     * Issue 12, item 5: DELETE answers once the cancel is recorded, before oardel. The service SIGKILLed right after the
     * hub's stop returned (oardel may or may not have reached OAR): the hub has forgotten the server, and the job must
     * still end, by the oardel that got through or, at the restart, by the reconciliation with the hub (the recovered
     * job's server is one the hub does not know: cancelled after hub.orphanGrace).
     */
    @Test
    void aStopWhoseServiceIsKilledRightAfterThe202StillEndsTheJob(HubStack hub) throws Exception {
        long job = readyThroughHub(hub, "killed");

        long mark = hub.logMark();
        long t0 = System.nanoTime();
        HttpResponse<String> stop = hub.hub("DELETE", HubStack.serverPath("alice", "killed"), null);
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        hub.killService();
        long killedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(stop.statusCode()).as(stop.body()).isIn(202, 204);
        assertThat(hub.logSince(mark)).contains("event=spawn_stopping user=alice server=killed");
        assertThat(hub.hubServer("alice", "killed")).as("the hub has forgotten alice/killed").isNull();
        boolean oardelDone = jobs("alice", "killed").isEmpty();

        long restart = hub.logMark();
        hub.startService();
        await("job " + job + " ended in OAR", ORPHAN_GRACE.multipliedBy(6), () -> jobs("alice", "killed").isEmpty());
        long endedMs = (System.nanoTime() - t0) / 1_000_000;
        String since = hub.logSince(restart);
        boolean recovered = since.contains("event=spawn_queued user=alice server=killed");
        boolean reaped = since.contains("event=orphan_cancelled user=alice server=killed");
        System.out.printf("stop through the hub %d ms, service killed at %d ms; job %d %s before the kill; recovered at the"
                        + " restart: %s, cancelled as an orphan: %s; ended in OAR %d ms after the stop (grace %d s)%n", stopMs,
                killedMs, job, oardelDone ? "already ended" : "still in OAR", recovered, reaped, endedMs, ORPHAN_GRACE.toSeconds());
        // A job found running again at the restart is ended by the reconciliation, never taken back by the hub.
        if (recovered && !since.contains("event=spawn_stopped user=alice server=killed") && !since.contains("event=spawn_failed user=alice server=killed")) {
            assertThat(reaped).as(since).isTrue();
        }
        assertThat(hub.hubServer("alice", "killed")).isNull();
        await("no route for alice/killed", Duration.ofSeconds(30), () -> !hub.routes().containsKey("/user/alice/killed"));
    }

    /** A spawn made through the service's API directly, which the hub never heard of; returns its job. */
    private static long put(HubStack hub, String user, String server) {
        JsonObject body = CPU.copy().put("project", LocalCluster.PROJECT)
                .put("command", new JsonArray(List.of("python3", "-m", "http.server", "--bind", "{host}", "{port}")))
                .put("environment", new JsonObject());
        HttpResponse<String> r = hub.service("PUT", "/api/v1/users/" + user + "/servers/" + server, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        await(user + "/" + server + " submitted", Duration.ofSeconds(30), () -> jobs(user, server).size() == 1);
        return jobs(user, server).get(0);
    }

    private static double metric(String prefix) throws Exception {
        String body = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:9081/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in /metrics"));
    }
}
