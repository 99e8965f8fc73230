package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.oar.Identity;
import org.oarspawner.oar.OarClusterConfig;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.oar.OarScheduler;
import org.oarspawner.proxy.Chp;
import org.oarspawner.proxy.ChpRouteRegistry;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.RouteRegistry;
import org.oarspawner.spi.SpawnKey;

/** CHP's route follows the spawn: added when the notebook answers, back after a CHP restart, gone when the job ends. */
@ExtendWith(VertxExtension.class)
class RoutesIT {
    private static final Duration TICK = Duration.ofMillis(500);
    /** A notebook stand-in that answers 200 on any path, bound where the job script says. */
    private static final List<String> ANY_PATH = List.of("python3", "-c", "import http.server as h, os; "
            + "S = type('S', (h.BaseHTTPRequestHandler,), {'do_GET': lambda self: (self.send_response(200), self.end_headers(),"
            + " self.wfile.write(self.path.encode()))}); "
            + "h.HTTPServer((os.environ['OARSPAWNER_HOST'], int(os.environ['OARSPAWNER_PORT'])), S).serve_forever()");

    private Chp chp;
    private ChpRouteRegistry routes;
    private OarScheduler scheduler;
    private SpawnManager manager;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        chp = new Chp();
        routes = new ChpRouteRegistry(vertx, chp.apiUrl(), chp.token);
        scheduler = LocalCluster.scheduler(vertx, "routes", Identity.SERVICE_ACCOUNT);
        manager = new SpawnManager(vertx, scheduler, TICK, Duration.ofSeconds(60), Clock.systemUTC(), SpawnMetrics.NONE, routes, "/");
    }

    @AfterEach
    void tearDown() throws Exception {
        LocalCluster.cancelAll(scheduler);
        manager.close();
        scheduler.close();
        routes.close();
        chp.close();
    }


    private long waitForRoute(String path, boolean present) {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
            if (await(routes.list()).containsKey(path) == present) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            LocalCluster.sleep(50);
        }
        throw new AssertionError("route " + path + (present ? " never came" : " never went"));
    }

    private HttpResponse<String> throughProxy(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(chp.publicUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRouteFollowsTheSpawn() throws Exception {
        SpawnKey key = new SpawnKey("bob", "web");
        await(manager.start(JobRequest.builder(key, "cpu", "bob").project(LocalCluster.PROJECT).command(ANY_PATH).build()));
        Spawn.View ready = Spawns.waitFor(manager, key, v -> v.state() == SpawnState.READY);
        waitForRoute("/user/bob/web", true);
        RouteRegistry.Route route = await(routes.list()).get("/user/bob/web");
        assertThat(route.target()).isEqualTo(ready.url().orElseThrow());
        assertThat(route.data()).containsEntry("user", "bob").containsEntry("server_name", "web").containsEntry("jupyterhub", true);
        HttpResponse<String> r = throughProxy("/user/bob/web/api/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("/user/bob/web/api/status");

        // CHP restarts with an empty table: the route is back within a tick.
        chp.restart();
        long back = waitForRoute("/user/bob/web", true);
        System.out.printf("route back %d ms after the CHP restart (tick %d ms)%n", back, TICK.toMillis());
        assertThat(back).isLessThanOrEqualTo(TICK.toMillis() * 2);
        assertThat(throughProxy("/user/bob/web/").statusCode()).isEqualTo(200);

        await(manager.stop(key));
        Spawns.waitFor(manager, key, v -> v.state().isFinal());
        waitForRoute("/user/bob/web", false);
    }

    @Test
    void inTunnelModeTheProxyReachesTheNodeThroughTheFrontend(Vertx vertx) throws Exception {
        OarScheduler tunnelled = new OarScheduler(vertx, LocalCluster.names("tunnel"),
                List.of(LocalCluster.cluster("cpu", Identity.SERVICE_ACCOUNT, OarClusterConfig.Reachability.SSH_TUNNEL)), 16);
        SpawnManager m = new SpawnManager(vertx, tunnelled, TICK, Duration.ofSeconds(60), Clock.systemUTC(), SpawnMetrics.NONE, routes, "/");
        try {
            SpawnKey key = new SpawnKey("bob", "tunnel");
            await(m.start(JobRequest.builder(key, "cpu", "bob").project(LocalCluster.PROJECT).command(ANY_PATH).build()));
            Spawn.View ready = Spawns.waitFor(m, key, v -> v.state() == SpawnState.READY);
            String target = ready.url().orElseThrow();
            assertThat(target).startsWith("http://127.0.0.1:");
            waitForRoute("/user/bob/tunnel", true);
            assertThat(await(routes.list()).get("/user/bob/tunnel").target()).isEqualTo(target);
            assertThat(throughProxy("/user/bob/tunnel/api/status").body()).isEqualTo("/user/bob/tunnel/api/status");

            // The frontend drops the connection: its forward is gone; within a tick a new tunnel carries the route.
            tunnelled.disconnect("cpu");
            long t0 = System.nanoTime();
            String moved = target;
            while (moved.equals(target) && System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
                LocalCluster.sleep(100);
                RouteRegistry.Route r = await(routes.list()).get("/user/bob/tunnel");
                moved = r == null ? target : r.target();
            }
            System.out.printf("tunnel rebuilt %d ms after the frontend connection dropped%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(moved).isNotEqualTo(target).startsWith("http://127.0.0.1:");
            assertThat(throughProxy("/user/bob/tunnel/").statusCode()).isEqualTo(200);

            await(m.stop(key));
            Spawns.waitFor(m, key, v -> v.state().isFinal());
            waitForRoute("/user/bob/tunnel", false);
            // The tunnel is closed with the job.
            int port = URI.create(moved).getPort();
            LocalCluster.sleep(500);
            assertThat(portOpen(port)).isFalse();
        } finally {
            LocalCluster.cancelAll(tunnelled);
            m.close();
            tunnelled.close();
        }
    }

    private static boolean portOpen(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void oardelFromOutsideEndsTheSpawnAndRemovesTheRoute() {
        SpawnKey key = new SpawnKey("bob", "outside");
        Spawn.View started = await(manager.start(JobRequest.builder(key, "cpu", "bob").project(LocalCluster.PROJECT).command(ANY_PATH).build()));
        Spawns.waitFor(manager, key, v -> v.state() == SpawnState.READY);
        waitForRoute("/user/bob/outside", true);
        LocalCluster.run("su", "-s", "/bin/sh", "bob", "-c", "oardel " + started.jobId().orElseThrow());
        Spawn.View ended = Spawns.waitFor(manager, key, v -> v.state().isFinal());
        assertThat(ended.state()).isEqualTo(SpawnState.FAILED);
        assertThat(ended.failure()).contains(FailureReason.CANCELLED);
        assertThat(ended.message()).contains("deleted outside the hub");
        waitForRoute("/user/bob/outside", false);
    }
}
