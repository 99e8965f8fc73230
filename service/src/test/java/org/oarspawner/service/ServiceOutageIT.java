package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.service.HubStack.await;
import static org.oarspawner.service.HubStack.jobs;
import static org.oarspawner.service.HubStack.jobsEver;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.LocalCluster;

/**
 * The service SIGKILLed while the real hub waits on it, at each point of a spawn's life, then started again: the
 * hub must end with each server ready on exactly one OAR job, and a stop asked while the service is down must still
 * end the job and its route (issue 8, item 3).
 */
@ExtendWith(HubStack.Extension.class)
class ServiceOutageIT {
    private static final Duration DOWN = Duration.ofSeconds(5);
    private static final Duration READY = Duration.ofSeconds(120);
    private static final JsonObject CPU = new JsonObject().put("profile", "cpu-1core-2h");
    private static final JsonObject A100 = new JsonObject().put("profile", "gpu-a100-4h").put("project", LocalCluster.PROJECT);
    /** The node's other GPU: both queued spawns can run at once when the node is free. */
    private static final JsonObject V100 = new JsonObject().put("profile", "gpu-v100-2h").put("project", LocalCluster.PROJECT);

    @Test
    void aSigkillAtSubmittingStartingAndReadyAndDuringAStop(HubStack hub) throws Exception {
        Instant t0 = Instant.now().minusSeconds(1);

        // submitting: killed while oarsub runs for alice/sub, before its PUT is answered.
        long mark = hub.logMark();
        request(hub, "alice", "sub", CPU);
        hub.awaitLog(mark, Duration.ofSeconds(30), "event=spawn_submitting", "user=alice", "server=sub");
        hub.killService();
        boolean submitted = hub.logSince(mark).contains("event=spawn_queued user=alice server=sub");
        System.out.printf("killed at submitting (oarsub had %s answered)%n", submitted ? "already" : "not");
        outage(hub);
        awaitReadyInTheHub(hub, "alice", "sub");

        // starting: killed once OAR runs alice/st's job, before its notebook answers.
        mark = hub.logMark();
        request(hub, "alice", "st", CPU);
        CompletableFuture<List<JsonObject>> progress = CompletableFuture.supplyAsync(() -> hub.progress("alice", "st"));
        hub.awaitLog(mark, Duration.ofSeconds(60), "event=spawn_starting", "user=alice", "server=st");
        hub.killService();
        System.out.printf("killed at starting (notebook %s)%n",
                hub.logSince(mark).contains("event=spawn_ready user=alice server=st") ? "already ready" : "not yet answering");
        outage(hub);
        awaitReadyInTheHub(hub, "alice", "st");
        List<JsonObject> events = progress.get(READY.toSeconds(), TimeUnit.SECONDS);
        assertThat(events.get(events.size() - 1).getBoolean("ready")).as(events.toString()).isTrue();

        // ready: killed while both servers run; the hub's polls meanwhile must not end them.
        hub.killService();
        LocalCluster.sleep(12_000); // longer than the hub's poll_interval (10 s)
        assertThat(hub.hubServer("alice", "sub").getBoolean("ready")).isTrue();
        hub.startService();
        for (String server : List.of("sub", "st")) {
            assertThat(hub.hubServer("alice", server).getBoolean("ready")).as(server).isTrue();
            assertThat(jobsEver("alice", server, t0)).as("alice/" + server + ": one job, ever").hasSize(1);
            HttpResponse<String> status = hub.hub("GET", "/user/alice/" + server + "/api/status", null);
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        }

        // stop while the service is down: the shim keeps trying for stop_grace.
        long job = jobs("alice", "sub").get(0);
        hub.killService();
        HttpResponse<String> stop = hub.hub("DELETE", HubStack.serverPath("alice", "sub"), null);
        assertThat(stop.statusCode()).as(stop.body()).isIn(202, 204);
        LocalCluster.sleep(DOWN.toMillis());
        hub.startService();
        await("alice/sub stopped: job " + job + " and route gone", Duration.ofSeconds(90),
                () -> jobs("alice", "sub").isEmpty() && !hub.routes().containsKey("/user/alice/sub")
                        && hub.hubServer("alice", "sub") == null);
        stopAndLeaveNothing(hub, "alice", "st");
    }

    @Test
    void aSigkillWhileQueuedFor5And60Seconds(HubStack hub) throws Exception {
        Instant t0 = Instant.now().minusSeconds(1);
        String blocker = HubStack.holdGpuNode();
        try {
            request(hub, "bob", "q5", A100);
            request(hub, "bob", "q60", V100);
            CompletableFuture<List<JsonObject>> progress = CompletableFuture.supplyAsync(() -> hub.progress("bob", "q5"));
            await("bob/q5 and bob/q60 queued", Duration.ofSeconds(60),
                    () -> jobs("bob", "q5").size() == 1 && jobs("bob", "q60").size() == 1);
            LocalCluster.sleep(2000);
            assertThat(LocalCluster.run("oarstat", "-s", "-j", Long.toString(jobs("bob", "q5").get(0)))).contains("Waiting");

            hub.killService();
            outage(hub);
            assertPending(hub, "bob", "q5");

            hub.killService();
            long t = System.nanoTime();
            LocalCluster.sleep(60_000);
            hub.startService();
            System.out.printf("service down %d s while bob/q5 and bob/q60 were queued%n", (System.nanoTime() - t) / 1_000_000_000);
            assertPending(hub, "bob", "q5");
            assertPending(hub, "bob", "q60");

            LocalCluster.run("oardel", blocker);
            awaitReadyInTheHub(hub, "bob", "q5");
            awaitReadyInTheHub(hub, "bob", "q60");
            List<JsonObject> events = progress.get(READY.toSeconds(), TimeUnit.SECONDS);
            List<String> messages = events.stream().map(e -> e.getString("message")).toList();
            assertThat(messages).as("the hub's progress, followed through two restarts")
                    .anyMatch(m -> m.startsWith("Submitted as job")).anyMatch(m -> m.contains("again"));
            assertThat(events.get(events.size() - 1).getBoolean("ready")).isTrue();
            for (String server : List.of("q5", "q60")) {
                assertThat(jobsEver("bob", server, t0)).as("bob/" + server + ": one job, ever").hasSize(1);
                assertThat(hub.hub("GET", "/user/bob/" + server + "/api/status", null).statusCode()).isEqualTo(200);
                stopAndLeaveNothing(hub, "bob", server);
            }
        } finally {
            LocalCluster.run("oardel", blocker);
        }
    }

    /** The service stays down for DOWN, then starts again. */
    private static void outage(HubStack hub) throws Exception {
        LocalCluster.sleep(DOWN.toMillis());
        hub.startService();
    }

    private static void assertPending(HubStack hub, String user, String server) {
        JsonObject s = hub.hubServer(user, server);
        assertThat(s).as("the hub still has " + user + "/" + server).isNotNull();
        assertThat(s.getValue("pending")).as(s.encode()).isEqualTo("spawn");
    }

    private static void request(HubStack hub, String user, String server, JsonObject options) {
        assertThat(hub.hub("POST", "/hub/api/users/" + user, null).statusCode()).isIn(201, 409);
        HttpResponse<String> spawn = hub.hub("POST", HubStack.serverPath(user, server), options);
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
    }

    private static void awaitReadyInTheHub(HubStack hub, String user, String server) {
        await(user + "/" + server + " ready in the hub", READY, () -> {
            JsonObject s = hub.hubServer(user, server);
            if (s == null) {
                throw new AssertionError("the hub forgot " + user + "/" + server);
            }
            return Boolean.TRUE.equals(s.getBoolean("ready"));
        });
        assertThat(jobs(user, server)).as(user + "/" + server + " jobs").hasSize(1);
        assertThat(hub.routes().containsKey("/user/" + user + "/" + server)).isTrue();
    }

    private static void stopAndLeaveNothing(HubStack hub, String user, String server) {
        assertThat(hub.hub("DELETE", HubStack.serverPath(user, server), null).statusCode()).isIn(202, 204);
        await("route and job of " + user + "/" + server + " gone", Duration.ofSeconds(90),
                () -> !hub.routes().containsKey("/user/" + user + "/" + server) && jobs(user, server).isEmpty()
                        && hub.hubServer(user, server) == null);
    }
}
