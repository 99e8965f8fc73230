package org.oarspawner.resources;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each cluster's free resources for the spawn form, asked of OAR only while someone looks at the form: one
 * {@code oarnodes} per cluster at most every {@code maxAge}, shared by every caller, never more than one out per cluster
 * (oarnodes 2.5.9 runs one SQL query per resource, so a class opening the form at once must not cost one each). A
 * caller waits at most {@code wait} for a fresh answer, then gets the last one (with its age) or none.
 * Runs on one Vert.x context.
 */
public final class FreeResourcesCache {
    private static final Logger LOG = LoggerFactory.getLogger(FreeResourcesCache.class);

    private final Vertx vertx;
    private final Scheduler scheduler;
    private final Duration maxAge;
    private final Duration wait;
    private final Clock clock;
    private final Map<String, FreeResources> last = new HashMap<>();
    private final Map<String, Future<FreeResources>> out = new HashMap<>();

    public FreeResourcesCache(Vertx vertx, Scheduler scheduler, Duration maxAge, Duration wait, Clock clock) {
        this.vertx = vertx;
        this.scheduler = scheduler;
        this.maxAge = maxAge;
        this.wait = wait;
        this.clock = clock;
    }

    /** The cluster's free resources, no older than {@code maxAge} if OAR answers within {@code wait}; else the last. */
    public Future<Optional<FreeResources>> get(String cluster) {
        FreeResources known = last.get(cluster);
        Instant now = clock.instant();
        if (known != null && Duration.between(known.readAt(), now).compareTo(maxAge) < 0) {
            return Future.succeededFuture(Optional.of(known));
        }
        Future<FreeResources> fetch = out.get(cluster);
        if (fetch == null) {
            Promise<FreeResources> p = Promise.promise();
            fetch = p.future();
            out.put(cluster, fetch);
            scheduler.freeResources(cluster).onComplete(r -> {
                out.remove(cluster);
                if (r.succeeded()) {
                    last.put(cluster, r.result());
                } else {
                    LOG.warn("event=free_resources_failed cluster={} error=\"{}\"", cluster, r.cause().getMessage());
                }
                p.handle(r);
            });
        }
        Promise<Optional<FreeResources>> answer = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, wait.toMillis()), t -> answer.tryComplete(Optional.ofNullable(last.get(cluster))));
        fetch.onComplete(r -> {
            vertx.cancelTimer(timer);
            answer.tryComplete(Optional.ofNullable(last.get(cluster)));
        });
        return answer.future();
    }
}
