package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.on;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frontend pings: at most one per tick per cluster however many ask (/health/ready may be called by anyone), and
 * with nothing to poll a refresh of the cluster.
 */
class FrontendPingTest {
    private static final Duration TICK = Duration.ofSeconds(2);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final ClusterMetrics recorded = new ClusterMetrics();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final List<String> pinged = new CopyOnWriteArrayList<>();
    private final List<Promise<Void>> pending = new CopyOnWriteArrayList<>();
    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private final FrontendPing pings = new FrontendPing(List.of("cpu", "gpu"), cluster -> {
        pinged.add(cluster);
        Promise<Void> p = Promise.promise();
        pending.add(p);
        return p.future();
    }, new LifecycleMetrics(recorded, clock), clock, TICK, context, cluster -> !busy.contains(cluster));

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void atMostOnePingPerClusterPerTickHoweverManyAsk() {
        for (int i = 0; i < 100; i++) {
            pings.ping("cpu");
            pings.ping("gpu");
        }
        // Still pending: every caller shares the one ping of each cluster.
        assertThat(pinged).containsExactly("cpu", "gpu");
        pending.forEach(Promise::complete);
        clock.advance(TICK.minusMillis(1));
        for (int i = 0; i < 100; i++) {
            assertThat(pings.ping("cpu").succeeded()).isTrue();
        }
        assertThat(pinged).hasSize(2);
        // A tick later, one new ping per cluster.
        clock.advance(Duration.ofMillis(1));
        pings.ping("cpu");
        pings.ping("gpu");
        pings.ping("cpu");
        assertThat(pinged).containsExactly("cpu", "gpu", "cpu", "gpu");
    }

    @Test
    void aFailureIsKeptForTheTickToo() {
        Future<Void> first = pings.ping("cpu");
        pending.get(0).fail("ssh: connection refused");
        assertThat(pings.ping("cpu").cause()).hasMessage("ssh: connection refused");
        assertThat(first.failed()).isTrue();
        assertThat(pinged).hasSize(1);
        clock.advance(TICK);
        assertThat(pings.ping("cpu").isComplete()).isFalse();
        assertThat(pinged).hasSize(2);
    }

    @Test
    void aPingThatThrowsIsAFailedPing() {
        FrontendPing throwing = new FrontendPing(List.of("cpu"), c -> {
            throw new IllegalStateException("no such cluster " + c);
        }, new LifecycleMetrics(recorded, clock), clock, TICK, context, c -> true);
        assertThat(throwing.ping("cpu").cause()).hasMessage("no such cluster cpu");
    }

    @Test
    void aPingThatSucceededRefreshesAClusterWithNothingToPollOnly() {
        busy.add("gpu");
        pings.ping("cpu");
        pings.ping("gpu");
        pending.forEach(Promise::complete);
        Await.until("the refresh is recorded", () -> recorded.refreshed.contains("cpu"));
        on(context, () -> null);
        assertThat(recorded.refreshed).containsExactly("cpu");
        assertThat(recorded.refreshedAt).containsExactly(clock.instant());

        clock.advance(TICK);
        pings.ping("cpu");
        pending.get(2).fail("ssh: connection refused");
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
        Await.until("cpu is pinged", () -> pinged.contains("cpu"));
        pending.forEach(Promise::complete);
        // The clock does not move: however often the timer fires, one ping in all.
        on(context, () -> {
            pings.stop(vertx);
            return null;
        });
        assertThat(pinged).containsExactly("cpu");
    }
}
