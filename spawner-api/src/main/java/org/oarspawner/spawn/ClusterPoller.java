package org.oarspawner.spawn;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poller per cluster: each tick sends one status command for all of the cluster's tracked jobs, whatever
 * their number, and skips while the last one is still out, so that a slow frontend never piles polls up.
 * Runs on the manager's context.
 */
final class ClusterPoller {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPoller.class);

    /** What to do with one poll's answer. */
    interface Handler {
        void polled(String cluster, List<Spawn> tracked, Map<Long, JobStatus> statuses);
    }

    private final Scheduler scheduler;
    private final LifecycleMetrics metrics;
    private final Supplier<Collection<Spawn>> spawns;
    private final Predicate<Spawn> tracked;
    private final Handler handler;
    private final Set<String> out = new HashSet<>();
    /** Clusters whose poll was asked for while one was out: polled again as soon as it returns. */
    private final Set<String> again = new HashSet<>();
    private final List<Long> timers = new ArrayList<>();

    /**
     * @param spawns  every spawn the manager holds
     * @param tracked which of them the poll asks OAR about
     */
    ClusterPoller(Scheduler scheduler, LifecycleMetrics metrics, Supplier<Collection<Spawn>> spawns, Predicate<Spawn> tracked,
                  Handler handler) {
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.spawns = spawns;
        this.tracked = tracked;
        this.handler = handler;
    }

    /** Polls every cluster each tick; call on the manager's context. */
    void start(Vertx vertx, Duration tick) {
        for (String cluster : scheduler.clusters()) {
            timers.add(vertx.setPeriodic(tick.toMillis(), id -> tick(cluster)));
        }
    }

    void stop(Vertx vertx) {
        timers.forEach(vertx::cancelTimer);
        timers.clear();
    }

    /** Whether a poll of the cluster is out. */
    boolean isOut(String cluster) {
        return out.contains(cluster);
    }

    /** Whether the cluster has nothing to poll: no tracked job, and no poll out. */
    boolean idle(String cluster) {
        return !out.contains(cluster) && tracked(cluster).isEmpty();
    }

    private List<Spawn> tracked(String cluster) {
        return spawns.get().stream().filter(s -> s.cluster.equals(cluster) && s.job != null && tracked.test(s)).toList();
    }

    /**
     * A poll of the cluster now, out of turn (a job was seen starting): at once, or as soon as the poll that is out
     * returns. Asks made while one poll is out make one more poll in all, so the frontend still sees one status
     * command at a time, whatever the number of spawns.
     */
    void pollSoon(String cluster) {
        if (out.contains(cluster)) {
            again.add(cluster);
        } else {
            tick(cluster);
        }
    }

    /** One poll of a cluster: one status command for all its tracked jobs; nothing when none or one is out. */
    void tick(String cluster) {
        List<Spawn> mine = tracked(cluster);
        if (mine.isEmpty() || !out.add(cluster)) {
            return;
        }
        metrics.polled(cluster);
        scheduler.status(cluster, mine.stream().map(s -> s.job).toList())
                .onComplete(x -> out.remove(cluster))
                .onSuccess(statuses -> metrics.refreshed(cluster))
                .onSuccess(statuses -> handler.polled(cluster, mine, statuses))
                .onFailure(e -> LOG.warn("event=poll_failed cluster={} spawns={} error=\"{}\"", cluster, mine.size(), e.getMessage()))
                .onComplete(x -> {
                    if (again.remove(cluster)) {
                        tick(cluster);
                    }
                });
    }
}
