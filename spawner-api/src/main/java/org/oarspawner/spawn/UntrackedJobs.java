package org.oarspawner.spawn;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels this service's own jobs that no spawn tracks. Such a job is made when an oarsub that a SIGKILL cut off
 * completes only after the restarted service recovered (the hub's retried start then makes a second job), or when
 * recovery finds two jobs for one server. Its name verifies and its owner is the mapped login, so it is provably the
 * service's; it is cancelled once older than the grace, which leaves a submission in flight the time to be tracked.
 * Jobs whose owner the mapping does not give are someone's, and never touched. One status command per cluster a sweep.
 */
public final class UntrackedJobs {
    private static final Logger LOG = LoggerFactory.getLogger(UntrackedJobs.class);

    private final Vertx vertx;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration grace;
    private final Function<String, Optional<String>> loginOf;
    private final Supplier<Future<List<Spawn.View>>> spawns;
    private long timer = -1;

    public UntrackedJobs(Vertx vertx, Scheduler scheduler, Clock clock, Duration grace, Function<String, Optional<String>> loginOf,
                         Supplier<Future<List<Spawn.View>>> spawns) {
        this.vertx = vertx;
        this.scheduler = scheduler;
        this.clock = clock;
        this.grace = grace;
        this.loginOf = loginOf;
        this.spawns = spawns;
    }

    public void start(Duration interval) {
        timer = vertx.setPeriodic(interval.toMillis(), id -> sweep().onFailure(e ->
                LOG.warn("event=untracked_sweep_failed error=\"{}\"", e.getMessage())));
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One sweep of every cluster; the ids of the jobs it cancelled. */
    public Future<List<Long>> sweep() {
        return spawns.get().compose(views -> {
            Set<String> tracked = views.stream().filter(v -> v.jobId().isPresent())
                    .map(v -> v.cluster() + "/" + v.jobId().get()).collect(Collectors.toSet());
            List<Future<List<Long>>> perCluster = scheduler.clusters().stream()
                    .map(c -> scheduler.findActive(c).compose(jobs -> cancelUntracked(jobs, tracked))).toList();
            return Future.join(perCluster).transform(x -> {
                List<Long> all = new ArrayList<>();
                perCluster.stream().filter(Future::succeeded).forEach(f -> all.addAll(f.result()));
                return Future.succeededFuture(all);
            });
        });
    }

    private Future<List<Long>> cancelUntracked(List<JobStatus> jobs, Set<String> tracked) {
        Instant now = clock.instant();
        List<Long> ids = new ArrayList<>();
        List<Future<?>> cancels = new ArrayList<>();
        for (JobStatus j : jobs) {
            SpawnKey key = j.key().orElse(null);
            boolean mapped = key != null && loginOf.apply(key.user()).map(j.ref().login()::equals).orElse(false);
            boolean young = Duration.between(j.submitted().orElse(now), now).compareTo(grace) < 0;
            if (!mapped || young || tracked.contains(j.ref().cluster() + "/" + j.ref().id())) {
                continue;
            }
            LOG.warn("event=untracked_job_cancelled user={} server={} cluster={} job={} login={} submitted={}", key.user(),
                    key.server(), j.ref().cluster(), j.ref().id(), j.ref().login(), j.submitted().map(Instant::toString).orElse(""));
            ids.add(j.ref().id());
            cancels.add(scheduler.cancel(j.ref()));
        }
        return Future.join(cancels).transform(x -> Future.succeededFuture(ids));
    }
}
