package org.oarspawner.http;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The frontends' reachability for /health/ready, which anyone may call: each cluster is pinged at most once per
 * {@code ttl} (the poll tick), however many requests come. A request during a ping shares it; a result younger
 * than {@code ttl} is answered from here.
 */
final class ReadinessCache {
    private record Entry(Future<Void> ping, Instant started) {
    }

    private final Function<String, Future<Void>> ping;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    ReadinessCache(Function<String, Future<Void>> ping, Duration ttl, Clock clock) {
        this.ping = ping;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The last ping of each cluster, or a new one when the last started {@code ttl} ago or more. */
    List<Future<Void>> check(List<String> clusters) {
        return clusters.stream().map(this::check).toList();
    }

    Future<Void> check(String cluster) {
        Instant now = clock.instant();
        return entries.compute(cluster, (c, e) -> e != null && (!e.ping().isComplete()
                || Duration.between(e.started(), now).compareTo(ttl) < 0) ? e : new Entry(start(c), now)).ping();
    }

    private Future<Void> start(String cluster) {
        try {
            return ping.apply(cluster);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
