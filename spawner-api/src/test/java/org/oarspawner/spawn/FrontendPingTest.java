package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;
import static org.oarspawner.spawn.Await.on;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The frontend pings: one per tick per cluster whoever asks, and with nothing to poll a refresh of the cluster. */
class FrontendPingTest {
    private static final Duration TICK = Duration.ofSeconds(1);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final ClusterMetrics recorded = new ClusterMetrics();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private final FrontendPing pings = new FrontendPing(oar, new LifecycleMetrics(recorded, clock), clock, TICK, context,
            cluster -> !busy.contains(cluster));

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void atMostOnePingPerTickPerClusterWhateverTheCallers() {
        for (int i = 0; i < 100; i++) {
            await(pings.ping("cpu"));
        }
        assertThat(oar.pings).containsExactly("cpu");
        clock.advance(TICK.minusMillis(1));
        await(pings.ping("cpu"));
        await(pings.ping("gpu"));
        assertThat(oar.pings).containsExactly("cpu", "gpu");
        clock.advance(Duration.ofMillis(1));
        await(pings.ping("cpu"));
        assertThat(oar.pings).containsExactly("cpu", "gpu", "cpu");
    }

    @Test
    void aPingThatSucceededRefreshesAClusterWithNothingToPollOnly() {
        busy.add("gpu");
        await(pings.ping("cpu"));
        await(pings.ping("gpu"));
        Await.until("the refresh is recorded", () -> recorded.refreshed.contains("cpu"));
        on(context, () -> null);
        assertThat(recorded.refreshed).containsExactly("cpu");

        clock.advance(TICK);
        oar.frontendDown = true;
        assertThat(pings.ping("cpu").failed()).isTrue();
        on(context, () -> null);
        assertThat(recorded.refreshed).containsExactly("cpu");
    }

    @Test
    void theTimerPingsOnlyIdleClusters() {
        busy.add("gpu");
        on(context, () -> {
            pings.start(vertx, Duration.ofMillis(1), Duration.ofMillis(50));
            return null;
        });
        Await.until("cpu is pinged", () -> oar.pings.contains("cpu"));
        // The clock does not move: however often the timer fires, one ping in all.
        on(context, () -> {
            pings.stop(vertx);
            return null;
        });
        assertThat(oar.pings).containsExactly("cpu");
    }
}
