package org.oarspawner.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.hub.HubClientTest.await;
import static org.oarspawner.hub.Views.T0;
import static org.oarspawner.hub.Views.view;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.MicrometerMetrics;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

/** The reaper against a FakeHub over HTTP, with a fixed clock moved by hand: what it cancels, logs and counts. */
class OrphanReaperTest {
    final Vertx vertx = Vertx.vertx();
    final Views.MovingClock clock = new Views.MovingClock();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MicrometerMetrics metrics = new MicrometerMetrics(registry, List.of("cpu", "gpu"), (c, s) -> 0);
    final List<SpawnKey> stopped = new CopyOnWriteArrayList<>();
    final Spawn.View orphan = view("alice", "gpu", SpawnState.QUEUED, T0.minus(Duration.ofHours(1)), 41);
    final Spawn.View known = view("bob", "", SpawnState.READY, T0.minus(Duration.ofHours(1)), 42);
    FakeHub hub;
    OrphanReaper reaper;

    @AfterEach
    void close() {
        if (reaper != null) {
            reaper.close();
        }
        hub.close();
        vertx.close();
    }

    private OrphanReaper reaper(FakeHub hub) {
        HubConfig config = new HubConfig(hub.apiUrl(), "t", Duration.ofMinutes(5), Duration.ofSeconds(30), 3);
        reaper = new OrphanReaper(vertx, config, new HubClient(vertx, config.apiUrl(), config.token(), Duration.ofSeconds(5)),
                new OrphanReaper.Spawns() {
                    @Override
                    public Future<List<Spawn.View>> list() {
                        return Future.succeededFuture(List.of(orphan, known));
                    }

                    @Override
                    public Future<?> stop(SpawnKey key) {
                        stopped.add(key);
                        return Future.succeededFuture();
                    }
                }, metrics, clock);
        return reaper;
    }

    private double orphansCancelled(String cluster) {
        return registry.get(MicrometerMetrics.ORPHANS_CANCELLED).tag("cluster", cluster).counter().count();
    }

    @Test
    void cancelsTheServerTheHubForgotAfterTheGraceAndCountsIt() throws Exception {
        hub = new FakeHub(vertx).user("bob", "=ready").user("alice", "cpu=ready");
        reaper(hub);
        for (int i = 0; i < 10; i++) {
            assertThat(await(reaper.check())).isEmpty();
            clock.advance(Duration.ofSeconds(30));
        }
        assertThat(await(reaper.check())).containsExactly(orphan);
        assertThat(stopped).containsExactly(orphan.key());
        assertThat(orphansCancelled("gpu")).isEqualTo(1.0);
        assertThat(orphansCancelled("cpu")).isZero();
        assertThat(registry.get(MicrometerMetrics.HUB_CHECKS).tag("outcome", "answered").counter().count()).isEqualTo(11.0);
    }

    @Test
    void cancelsNothingWhileTheHubIsDownAndRestartsTheGraceAfter() throws Exception {
        hub = new FakeHub(vertx).user("bob", "=ready");
        reaper(hub);
        for (int i = 0; i < 9; i++) {
            await(reaper.check());
            clock.advance(Duration.ofSeconds(30));
        }
        hub.status = 502;
        for (int i = 0; i < 100; i++) {
            assertThat(await(reaper.check())).isEmpty();
            clock.advance(Duration.ofSeconds(30));
        }
        hub.status = 200;
        for (int i = 0; i < 10; i++) {
            assertThat(await(reaper.check())).isEmpty();
            clock.advance(Duration.ofSeconds(30));
        }
        assertThat(stopped).isEmpty();
        assertThat(await(reaper.check())).containsExactly(orphan);
        assertThat(registry.get(MicrometerMetrics.HUB_CHECKS).tag("outcome", "unavailable").counter().count()).isEqualTo(100.0);
    }
}
