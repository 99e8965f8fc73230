package org.oarspawner.spawn;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the service pings a cluster's frontend: at most once per {@code gap} (the poll tick) per cluster,
 * whoever asks (/health/ready, which anyone may call, and this class's own timer). A request during a ping shares it;
 * a result younger than the gap, success or failure, is answered from here. Every {@link #IDLE_EVERY} a cluster with
 * nothing to poll is pinged, so that its frontend's health and its last refresh stay known with one command per 15 s,
 * whatever the number of spawns; a cluster with jobs to poll is refreshed by its polls instead.
 */
final class FrontendPing {
    private static final Logger LOG = LoggerFactory.getLogger(FrontendPing.class);
    static final Duration IDLE_EVERY = Duration.ofSeconds(15);

    private record Last(Future<Void> ping, Instant started) {
    }

    private final List<String> clusters;
    private final Function<String, Future<Void>> pinger;
    private final LifecycleMetrics metrics;
    private final Clock clock;
    private final Duration gap;
    private final Context context;
    private final Predicate<String> idle;
    private final Map<String, Last> last = new ConcurrentHashMap<>();
    private long timer = -1;

    /**
     * @param pinger  pings a cluster's frontend (the scheduler's ping)
     * @param context the manager's context, where {@code idle} is asked
     * @param idle    whether a cluster has nothing to poll
     */
    FrontendPing(List<String> clusters, Function<String, Future<Void>> pinger, LifecycleMetrics metrics, Clock clock, Duration gap,
                 Context context, Predicate<String> idle) {
        this.clusters = List.copyOf(clusters);
        this.pinger = pinger;
        this.metrics = metrics;
        this.clock = clock;
        this.gap = gap;
        this.context = context;
        this.idle = idle;
    }

    /** Pings idle clusters a tick after start, then every {@code every}; call on the manager's context. */
    void start(Vertx vertx, Duration first, Duration every) {
        timer = vertx.setPeriodic(Math.max(1, first.toMillis()), every.toMillis(), id -> {
            for (String cluster : clusters) {
                if (idle.test(cluster)) {
                    ping(cluster).onFailure(e -> LOG.debug("event=idle_ping_failed cluster={} error=\"{}\"", cluster, e.getMessage()));
                }
            }
        });
    }

    void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** The cluster's last ping if it is under way or started less than a gap ago, else a new one. Any thread. */
    Future<Void> ping(String cluster) {
        Instant now = clock.instant();
        return last.compute(cluster, (c, l) -> l != null && (!l.ping().isComplete()
                || Duration.between(l.started(), now).compareTo(gap) < 0) ? l : new Last(start(c), now)).ping();
    }

    private Future<Void> start(String cluster) {
        Future<Void> f;
        try {
            f = pinger.apply(cluster);
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        return f.onSuccess(v -> context.runOnContext(x -> {
            if (idle.test(cluster)) {
                metrics.refreshed(cluster);
            }
        }));
    }
}
