package org.oarspawner.spawn;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.oarspawner.spi.Scheduler;

/**
 * Sees a queued job start within {@link #EVERY} rather than at the next poll, up to a tick later: while a cluster
 * has queued jobs that may start now (submitted within {@link #WINDOW}, or due by OAR's estimated start), it asks
 * the scheduler which of them have begun ({@link Scheduler#begun}: the job script's first act on the node is to
 * write a "begun" line to the spool, which its endpoint replaces once the notebook listens). That is one command
 * for all of them, one at a time per cluster, which forks nothing on the frontend for a job that has not begun. A job
 * seen begun makes the cluster's poll run now ({@link ClusterPoller#pollSoon}): OAR, never the line, says whether the job runs and on which nodes, and the
 * endpoint is read and checked against those nodes as before. The line is a hint: it may come a moment before OAR
 * shows the job Running (the local cluster's oarstat showed both within 0.1 s), and a user could plant one; either
 * way it makes the cluster's poll come early at most once per {@link #AGAIN}, whatever the number of spawns, one
 * status command at a time per cluster. Runs on the manager's context.
 */
final class StartWatch {
    /** How often the begun jobs are asked for. */
    static final Duration EVERY = Duration.ofMillis(250);
    /** How long after its submission (or its estimated start) a queued job is watched. */
    static final Duration WINDOW = Duration.ofSeconds(60);
    /** The least time between two early polls of one cluster (and for one spawn, while OAR still shows it queued). */
    static final Duration AGAIN = Duration.ofMillis(500);

    private final Scheduler scheduler;
    private final Clock clock;
    private final Supplier<Collection<Spawn>> spawns;
    private final Consumer<String> pollSoon;
    private final Set<String> out = new HashSet<>();
    /** When each cluster's poll was last made to come early. */
    private final Map<String, Instant> early = new HashMap<>();
    private long timer = -1;

    StartWatch(Scheduler scheduler, Clock clock, Supplier<Collection<Spawn>> spawns, Consumer<String> pollSoon) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.spawns = spawns;
        this.pollSoon = pollSoon;
    }

    void start(Vertx vertx) {
        timer = vertx.setPeriodic(EVERY.toMillis(), id -> tick());
    }

    void stop(Vertx vertx) {
        vertx.cancelTimer(timer);
    }

    /** One look at each cluster's queued jobs that may start now; nothing for a cluster whose last look is out. */
    void tick() {
        Instant now = clock.instant();
        for (String cluster : scheduler.clusters()) {
            if (out.contains(cluster)) {
                continue;
            }
            List<Spawn> due = spawns.get().stream().filter(s -> s.cluster.equals(cluster) && watched(s, now)).toList();
            if (due.isEmpty()) {
                continue;
            }
            out.add(cluster);
            scheduler.begun(cluster, due.stream().map(s -> s.job).toList())
                    .onComplete(r -> out.remove(cluster))
                    .onSuccess(begun -> {
                        Instant seen = clock.instant();
                        boolean poll = false;
                        for (Spawn s : due) {
                            if (begun.contains(s.job.id()) && s.state == SpawnState.QUEUED
                                    && (s.beganSeen == null || !seen.isBefore(s.beganSeen.plus(AGAIN)))) {
                                s.beganSeen = seen;
                                poll = true;
                            }
                        }
                        Instant last = early.get(cluster);
                        if (poll && (last == null || !seen.isBefore(last.plus(AGAIN)))) {
                            early.put(cluster, seen);
                            pollSoon.accept(cluster);
                        }
                    });
        }
    }

    /** A queued job that may start now: newly submitted, or due by OAR's estimated start. */
    static boolean watched(Spawn s, Instant now) {
        if (s.state != SpawnState.QUEUED || s.job == null) {
            return false;
        }
        Instant since = s.submittedAt != null ? s.submittedAt : s.createdAt;
        if (now.isBefore(since.plus(WINDOW))) {
            return true;
        }
        return s.scheduledStart != null && !s.scheduledStart.isAfter(now.plus(EVERY)) && now.isBefore(s.scheduledStart.plus(WINDOW));
    }
}
