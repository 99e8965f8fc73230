package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.service.HubStack.await;
import static org.oarspawner.service.HubStack.jobs;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.LocalCluster;

/**
 * The whole path through Debian's JupyterHub 3.0 and its configurable-http-proxy: the hub's REST API spawns
 * jupyterhub-singleuser as an OAR job through the shim and the service, and the notebook answers through CHP.
 */
@ExtendWith(HubStack.Extension.class)
class HubIT {
    private static final Duration STOPPED = Duration.ofSeconds(90);

    @Test
    void spawnThroughTheHubReachTheNotebookStopAndLeaveNothing(HubStack hub) {
        spawnAndReach(hub, "bob", "http://node-cpu:");
        stopAndLeaveNothing(hub, "bob", "");
    }

    @Test
    void theSameThroughAnSshTunnelWhichAServiceRestartRebuilds(HubStack hub) throws Exception {
        Map<String, String> tunnel = Map.of("OARSPAWNER_CLUSTERS__CPU__REACHABILITY", "ssh-tunnel");
        hub.restartService(tunnel);
        try {
            // The route points at the tunnel's local end, on the service's host.
            String before = spawnAndReach(hub, "bob", "http://127.0.0.1:");
            // The tunnel lived in the old service process: the new one finds the job in OAR and opens another.
            long t0 = System.nanoTime();
            hub.restartService(tunnel);
            await("a new tunnel for /user/bob", Duration.ofSeconds(30), () -> {
                JsonObject r = hub.routes().getJsonObject("/user/bob");
                return r != null && !r.getString("target").equals(before);
            });
            System.out.printf("service restarted and the route moved to a new tunnel in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(hub.routes().getJsonObject("/user/bob").getString("target")).startsWith("http://127.0.0.1:");
            HttpResponse<String> status = hub.hub("GET", "/user/bob/api/status", null);
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
            stopAndLeaveNothing(hub, "bob", "");
        } finally {
            hub.restartService(Map.of());
        }
    }

    /** Spawns the user's default server through the hub, checks it end to end, and returns CHP's target for it. */
    private static String spawnAndReach(HubStack hub, String user, String target) {
        long t0 = System.nanoTime();
        request(hub, user, "", new JsonObject().put("profile", "cpu-1core-2h").put("project", LocalCluster.PROJECT));
        List<JsonObject> events = awaitReady(hub, user, "");
        System.out.printf("hub spawn to ready (%s): %d ms%n", target, (System.nanoTime() - t0) / 1_000_000);
        List<String> messages = events.stream().map(e -> e.getString("message")).toList();
        assertThat(messages).as("the service's events, relayed by the hub")
                .anyMatch(m -> m.startsWith("Submitted as job")).anyMatch(m -> m.contains("is running on node node-cpu"));
        assertThat(events.stream().map(e -> e.getInteger("progress")).toList()).isSorted();

        HttpResponse<String> status = hub.hub("GET", "/user/" + user + "/api/status", null);
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        String routed = hub.routes().getJsonObject("/user/" + user).getString("target");
        assertThat(routed).startsWith(target);
        assertThat(jobs(user, "")).hasSize(1);
        return routed;
    }

    /** Asks the hub for a user's server, making the user first. */
    private static void request(HubStack hub, String user, String server, JsonObject options) {
        assertThat(hub.hub("POST", "/hub/api/users/" + user, null).statusCode()).isIn(201, 409);
        HttpResponse<String> spawn = hub.hub("POST", HubStack.serverPath(user, server), options);
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
    }

    /** Follows the hub's progress stream for a server to its end, which must be ready; returns the events. */
    private static List<JsonObject> awaitReady(HubStack hub, String user, String server) {
        List<JsonObject> events = hub.progress(user, server);
        assertThat(events.get(events.size() - 1).getBoolean("ready")).as(events.toString()).isTrue();
        return events;
    }

    /** Stops through the hub, then checks the route and the job are gone. */
    private static void stopAndLeaveNothing(HubStack hub, String user, String server) {
        assertThat(hub.hub("DELETE", HubStack.serverPath(user, server), null).statusCode()).isIn(202, 204);
        String route = "/user/" + user + (server.isEmpty() ? "" : "/" + server);
        await("route " + route + " and job of " + user + "/" + server + " gone", STOPPED,
                () -> !hub.routes().containsKey(route) && jobs(user, server).isEmpty());
        assertThat(hub.hubServer(user, server)).isNull();
    }

    @Test
    void twoNamedServersOnTheCpuAndTheGpuNode(HubStack hub) {
        // Both asked for before either is followed: they start at once.
        request(hub, "alice", "cpu", new JsonObject().put("profile", "cpu-1core-2h"));
        request(hub, "alice", "gpu", new JsonObject().put("profile", "gpu-a100-4h"));
        awaitReady(hub, "alice", "cpu");
        awaitReady(hub, "alice", "gpu");
        assertThat(hub.hub("GET", "/user/alice/cpu/api/status", null).statusCode()).isEqualTo(200);
        assertThat(hub.hub("GET", "/user/alice/gpu/api/status", null).statusCode()).isEqualTo(200);
        JsonObject routes = hub.routes();
        assertThat(routes.getJsonObject("/user/alice/cpu").getString("target")).startsWith("http://node-cpu:");
        assertThat(routes.getJsonObject("/user/alice/gpu").getString("target")).startsWith("http://node-gpu:");
        stopAndLeaveNothing(hub, "alice", "cpu");
        stopAndLeaveNothing(hub, "alice", "gpu");
    }

    @Test
    void aHubRestartWhileTheJobIsQueuedPicksUpTheSameJob(HubStack hub) throws Exception {
        String blockerId = HubStack.holdGpuNode();
        try {
            request(hub, "alice", "queued", new JsonObject().put("profile", "gpu-a100-4h"));
            await("alice/queued submitted", Duration.ofSeconds(30), () -> jobs("alice", "queued").size() == 1);
            long job = jobs("alice", "queued").get(0);
            LocalCluster.sleep(2000);
            assertThat(LocalCluster.run("oarstat", "-s", "-j", Long.toString(job))).contains("Waiting");
            assertThat(hub.hubServer("alice", "queued").getBoolean("ready")).isFalse();

            hub.restartHub();
            assertThat(jobs("alice", "queued")).containsExactly(job);

            LocalCluster.run("oardel", blockerId);
            await("alice/queued ready in the restarted hub", Duration.ofSeconds(120), () -> {
                JsonObject s = hub.hubServer("alice", "queued");
                return s != null && Boolean.TRUE.equals(s.getBoolean("ready"));
            });
            assertThat(hub.hub("GET", "/user/alice/queued/api/status", null).statusCode()).isEqualTo(200);
            assertThat(jobs("alice", "queued")).as("the same job, and no other").containsExactly(job);
            stopAndLeaveNothing(hub, "alice", "queued");
        } finally {
            LocalCluster.run("oardel", blockerId);
        }
    }

    @Test
    void aProxyRestartLosesTheRouteForLessThanATick(HubStack hub) {
        request(hub, "alice", "chp", new JsonObject().put("profile", "cpu-1core-2h"));
        awaitReady(hub, "alice", "chp");
        String target = hub.routes().getJsonObject("/user/alice/chp").getString("target");

        // The hub restarts its proxy when it finds it dead; the service puts the route back on its next tick.
        LocalCluster.run("pkill", "-f", "configurable-http-proxy --ip 127.0.0.1 --port 8000");
        await("the hub restarted its proxy", Duration.ofSeconds(60), () -> {
            try {
                return hub.routes().containsKey("/");
            } catch (RuntimeException e) {
                return false;
            }
        });
        long back = System.nanoTime();
        await("route /user/alice/chp back", Duration.ofSeconds(30), () -> hub.routes().containsKey("/user/alice/chp"));
        System.out.printf("route back %d ms after CHP answered again%n", (System.nanoTime() - back) / 1_000_000);
        assertThat(hub.routes().getJsonObject("/user/alice/chp").getString("target")).isEqualTo(target);
        assertThat(hub.hub("GET", "/user/alice/chp/api/status", null).statusCode()).isEqualTo(200);

        // A proxy that lost the route without the hub noticing (an externally run CHP restarted, say): the hub
        // checks its routes every 5 minutes; the service puts it back on its next tick.
        assertThat(hub.deleteRoute("/user/alice/chp")).isEqualTo(204);
        long lost = System.nanoTime();
        await("route /user/alice/chp back after it was deleted from CHP", Duration.ofSeconds(30),
                () -> hub.routes().containsKey("/user/alice/chp"));
        System.out.printf("route back %d ms after it was deleted from CHP%n", (System.nanoTime() - lost) / 1_000_000);
        assertThat(hub.routes().getJsonObject("/user/alice/chp").getString("target")).isEqualTo(target);
        stopAndLeaveNothing(hub, "alice", "chp");
    }

    @Test
    void oardelFromOutsideStopsTheServerInTheHub(HubStack hub) {
        request(hub, "alice", "del", new JsonObject().put("profile", "cpu-1core-2h"));
        awaitReady(hub, "alice", "del");
        long job = jobs("alice", "del").get(0);

        LocalCluster.run("su", "-s", "/bin/sh", "alice", "-c", "oardel " + job);
        endsInTheHub(hub, "alice", "del");
    }

    @Test
    void theWalltimeEndStopsTheServerInTheHub(HubStack hub) {
        request(hub, "alice", "short", new JsonObject().put("profile", "cpu-1core-2h").put("walltime", "0:01"));
        awaitReady(hub, "alice", "short");
        assertThat(jobs("alice", "short")).hasSize(1);
        endsInTheHub(hub, "alice", "short");
    }

    /** The job ended outside the hub: the route goes at once, the hub's poll then finds the server stopped. */
    private static void endsInTheHub(HubStack hub, String user, String server) {
        String route = "/user/" + user + "/" + server;
        long t0 = System.nanoTime();
        await("route " + route + " gone", Duration.ofSeconds(180), () -> !hub.routes().containsKey(route));
        long routeGone = System.nanoTime();
        await("the hub sees " + user + "/" + server + " stopped", Duration.ofSeconds(60), () -> hub.hubServer(user, server) == null);
        System.out.printf("%s/%s: route gone after %d ms, hub saw it stopped %d ms later%n", user, server,
                (routeGone - t0) / 1_000_000, (System.nanoTime() - routeGone) / 1_000_000);
        assertThat(jobs(user, server)).isEmpty();
        assertThat(hub.hub("GET", "/user/" + user + "/" + server + "/api/status", null).statusCode()).isNotEqualTo(200);
    }
}
