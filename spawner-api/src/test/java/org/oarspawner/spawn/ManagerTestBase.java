package org.oarspawner.spawn;

import static org.oarspawner.spawn.Await.await;
import static org.oarspawner.spawn.Await.until;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/**
 * What the state machine's tests share: the manager against a scripted fake scheduler and a clock that moves only
 * when told; the notebook is a real HTTP server on this host. Ticks are an hour long so that no timer polls behind the test's back: the test
 * polls with {@link SpawnManager#pollNow}.
 */
abstract class ManagerTestBase {
    static final Duration TICK = Duration.ofHours(1);
    static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
    static final String NODE = "127.0.0.1";

    Vertx vertx;
    HttpServer notebook;
    final MutableClock clock = new MutableClock(T0);
    final FakeScheduler oar = new FakeScheduler(clock);
    final FakeRouteRegistry proxy = new FakeRouteRegistry();
    SpawnManager manager;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        notebook = await(vertx.createHttpServer().requestHandler(r -> r.response().end("notebook")).listen(0, NODE));
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock, SpawnMetrics.NONE, proxy, "/");
    }

    @AfterEach
    void tearDown() {
        manager.close();
        await(vertx.close());
    }

    static JobRequest request(String server, String cluster) {
        return JobRequest.builder(new SpawnKey("bob", server), cluster, "bob").command("jupyterhub-singleuser")
                .env("JUPYTERHUB_API_TOKEN", "token-1").build();
    }

    Spawn.View view(SpawnKey key) {
        return await(manager.get(key)).orElseThrow();
    }

    Spawn.View waitFor(SpawnKey key, SpawnState state) {
        until(key + " " + state, () -> view(key).state() == state);
        return view(key);
    }

    /** OAR starts the job and its notebook listens. */
    void runAndListen(long job) {
        oar.run(job, NODE, clock.instant());
        oar.listen(job, new Endpoint(NODE, notebook.actualPort()));
    }

    String url() {
        return "http://" + NODE + ":" + notebook.actualPort();
    }
}
