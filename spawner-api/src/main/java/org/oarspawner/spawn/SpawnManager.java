package org.oarspawner.spawn;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.RouteRegistry;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every spawn's lifecycle: the state machine from submission to an end. OAR is the source of truth:
 * {@link #recover()} rebuilds the spawns from the job names OAR holds. The work around it has its own classes:
 * {@link ClusterPoller} (one status command per cluster per tick), {@link ReadinessProber} (endpoint, reach, HTTP
 * answer), {@link RouteKeeper} (the proxy's table), {@link EventLog} (progress events and their listeners),
 * {@link QueueRanking} and {@link LifecycleMetrics}. All state lives on one Vert.x context; public methods hop onto it.
 */
public final class SpawnManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnManager.class);
    private static final int STDERR_LINES = 20;
    /** How long a start waits for the same server's previous job to end (OAR takes ~10 s after an oardel). */
    private static final Duration STOP_WAIT = Duration.ofMinutes(2);

    private final Vertx vertx;
    private final Context context;
    private final Scheduler scheduler;
    private final Clock clock;
    // Concurrent only so that the metrics gauge may count from the scrape thread; all changes happen on the context.
    private final Map<SpawnKey, Spawn> spawns = new ConcurrentHashMap<>();
    private final LifecycleMetrics metrics;
    private final EventLog events;
    private final QueueRanking ranking;
    private final ClusterPoller poller;
    private final ReadinessProber prober;
    private final RouteKeeper routes;

    public SpawnManager(Vertx vertx, Scheduler scheduler, Duration tick, Duration startTimeout, Clock clock) {
        this(vertx, scheduler, tick, startTimeout, clock, SpawnMetrics.NONE);
    }

    public SpawnManager(Vertx vertx, Scheduler scheduler, Duration tick, Duration startTimeout, Clock clock, SpawnMetrics metrics) {
        this(vertx, scheduler, tick, startTimeout, clock, metrics, null, "/");
    }

    /**
     * @param routes  the proxy's routing table, kept in step with the spawns (null: JupyterHub alone routes)
     * @param baseUrl JupyterHub's base URL, which prefixes every route's path
     */
    public SpawnManager(Vertx vertx, Scheduler scheduler, Duration tick, Duration startTimeout, Clock clock, SpawnMetrics metrics,
                        RouteRegistry routes, String baseUrl) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = new LifecycleMetrics(metrics, clock);
        this.events = new EventLog(clock, EventLog.DEFAULT_CAPACITY);
        this.ranking = new QueueRanking(clock);
        this.poller = new ClusterPoller(scheduler, this.metrics, spawns::values, s -> !s.state.isFinal(), this::polled);
        this.prober = new ReadinessProber(vertx, scheduler, clock, tick, startTimeout, new ReadinessProber.Listener() {
            @Override
            public void listening(Spawn s) {
                String via = s.target.equals(s.endpoint.url()) ? "" : " (reached through " + s.target + ")";
                emit(s, SpawnState.STARTING, 80, "The notebook listens at " + s.endpoint.url() + via);
            }

            @Override
            public void answered(Spawn s) {
                ready(s);
            }

            @Override
            public void timedOut(Spawn s) {
                startTimedOut(s);
            }
        });
        this.routes = new RouteKeeper(scheduler, routes, baseUrl, spawns::values);
        context.runOnContext(v -> {
            poller.start(vertx, tick);
            this.routes.start(vertx, tick);
        });
    }

    /**
     * Starts a server, or returns the live spawn for the same (user, server): never a second job. A spawn
     * being stopped is not live: the new one starts once the old job has ended and its directory is cleaned.
     */
    public Future<Spawn.View> start(JobRequest request) {
        return onContext(() -> {
            Spawn live = spawns.get(request.key());
            if (live != null && (live.state == SpawnState.STOPPING || (live.state.isFinal() && !live.settled.future().isComplete()))) {
                LOG.info("event=start_waits_for_stop user={} server={} cluster={} job={}", live.key.user(), live.key.server(),
                        live.cluster, live.job == null ? "" : live.job.id());
                String previous = live.job == null ? "" : " " + live.job.id();
                return live.settled.future().timeout(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                        .recover(e -> Future.failedFuture(new SchedulerException(live.cluster, SchedulerException.Reason.FAILED, -1,
                                "the previous job" + previous + " of this server is still being stopped after "
                                        + STOP_WAIT.toSeconds() + " s; start again once OAR has ended it")))
                        .compose(v -> start(request));
            }
            if (live != null && !live.state.isFinal()) {
                return live.job == null && live.submission != null ? live.submission : Future.succeededFuture(live.snapshot());
            }
            Spawn s = new Spawn(request.key(), request.cluster(), request.login(), clock.instant());
            spawns.put(request.key(), s);
            events.restart(s.key);
            emit(s, SpawnState.SUBMITTING, 5, "Submitting the job to cluster " + s.cluster);
            s.submission = scheduler.submit(request).map(job -> {
                s.job = job;
                s.submittedAt = clock.instant();
                if (s.state == SpawnState.STOPPING) {
                    cancelOnce(s);
                    return s.snapshot();
                }
                emit(s, SpawnState.QUEUED, 10, "Submitted as job " + job.id() + " on cluster " + s.cluster);
                return s.snapshot();
            }).recover(e -> {
                s.failure = e instanceof SchedulerException se && se.reason() == SchedulerException.Reason.UNREACHABLE
                        ? FailureReason.UNREACHABLE : FailureReason.REJECTED;
                String why = e instanceof SchedulerException se ? se.schedulerMessage() : String.valueOf(e.getMessage());
                metrics.outcome(s, s.failure == FailureReason.UNREACHABLE ? SpawnMetrics.Status.UNREACHABLE : SpawnMetrics.Status.REJECTED);
                emit(s, SpawnState.FAILED, 100, "Cluster " + s.cluster + " refused the job: " + why);
                s.settled.tryComplete();
                return Future.failedFuture(e);
            });
            return s.submission;
        });
    }

    public Future<Optional<Spawn.View>> get(SpawnKey key) {
        return onContext(() -> Future.succeededFuture(Optional.ofNullable(spawns.get(key)).map(Spawn::snapshot)));
    }

    public Future<List<Spawn.View>> list() {
        return onContext(() -> Future.succeededFuture(spawns.values().stream().map(Spawn::snapshot).toList()));
    }

    /** Cancels a spawn. Idempotent: stopping a stopped or unknown spawn is not an error. */
    public Future<Optional<Spawn.View>> stop(SpawnKey key) {
        return onContext(() -> {
            Spawn s = spawns.get(key);
            if (s == null || s.state.isFinal()) {
                return Future.succeededFuture(Optional.ofNullable(s).map(Spawn::snapshot));
            }
            if (s.job == null) {
                // oarsub is still running: the poller cancels the job once its id is known.
                emit(s, SpawnState.STOPPING, s.progress, "Stopping once the job is submitted");
                return Future.succeededFuture(Optional.of(s.snapshot()));
            }
            emit(s, SpawnState.STOPPING, 100, "Cancelling job " + s.job.id());
            return cancelOnce(s).map(r -> Optional.of(s.snapshot()));
        });
    }

    /** Rebuilds the spawns from OAR's jobs of this instance; call at start, before serving. Returns how many. */
    public Future<Integer> recover() {
        return onContext(() -> {
            List<Future<List<JobStatus>>> found = scheduler.clusters().stream().map(scheduler::findActive).toList();
            return Future.all(found).map(all -> {
                int n = 0;
                for (Future<List<JobStatus>> f : found) {
                    for (JobStatus j : f.result()) {
                        SpawnKey key = j.key().orElseThrow();
                        Spawn known = spawns.get(key);
                        if (known != null && known.job != null && known.job.id() == j.ref().id()) {
                            continue;
                        }
                        Spawn s = new Spawn(key, j.ref().cluster(), j.ref().login(), j.submitted().orElse(clock.instant()));
                        s.job = j.ref();
                        s.submittedAt = j.submitted().orElse(clock.instant());
                        spawns.put(key, s);
                        events.restart(key);
                        emit(s, SpawnState.QUEUED, 10, "Found job " + j.ref().id() + " on cluster " + s.cluster + " again");
                        update(s, j, null);
                        n++;
                    }
                }
                LOG.info("event=recovered spawns={}", n);
                return n;
            });
        });
    }

    /** Receives the spawn's events from now on; returns the past ones after {@code lastEventId}. */
    public Future<List<SpawnEvent>> subscribe(SpawnKey key, long lastEventId, Consumer<SpawnEvent> listener) {
        return onContext(() -> Future.succeededFuture(events.subscribe(key, lastEventId, listener)));
    }

    public void unsubscribe(SpawnKey key, Consumer<SpawnEvent> listener) {
        events.unsubscribe(key, listener);
    }

    /** One poll's answer for a cluster's tracked spawns. */
    private void polled(String cluster, List<Spawn> tracked, Map<Long, JobStatus> statuses) {
        List<Spawn> queued = new ArrayList<>();
        for (Spawn s : tracked) {
            JobStatus j = statuses.get(s.job.id());
            if (j != null && !s.state.isFinal()) {
                update(s, j, queued);
            }
        }
        for (QueueRanking.Announcement a : ranking.rank(queued)) {
            emit(a.spawn(), SpawnState.QUEUED, 30, a.message());
        }
    }

    private void update(Spawn s, JobStatus j, List<Spawn> queued) {
        j.started().ifPresent(t -> s.walltimeEnd = t.plus(j.walltime()));
        switch (j.state()) {
            case WAITING, HELD, LAUNCHING -> {
                if (s.state == SpawnState.STOPPING) {
                    cancelOnce(s);
                    return;
                }
                s.scheduledStart = j.scheduledStart().orElse(null);
                if (queued != null) {
                    queued.add(s);
                }
                if (j.state() == JobState.HELD && !s.message.contains("held")) {
                    emit(s, SpawnState.QUEUED, 20, "Job " + s.job.id() + " is held in the queue");
                }
            }
            case RUNNING, SUSPENDED, FINISHING -> {
                if (s.state == SpawnState.STOPPING) {
                    cancelOnce(s);
                    return;
                }
                s.nodes = j.nodes();
                if (s.state == SpawnState.QUEUED || s.state == SpawnState.SUBMITTING) {
                    s.runningAt = j.started().orElse(clock.instant());
                    metrics.running(s);
                    emit(s, SpawnState.STARTING, 60, "Job " + s.job.id() + " is running on node " + String.join(",", j.nodes()));
                }
                if (s.state == SpawnState.STARTING) {
                    prober.check(s);
                }
            }
            case TERMINATED, ERROR, GONE -> ended(s, j);
            default -> throw new IllegalStateException("unhandled job state " + j.state());
        }
    }

    private void ready(Spawn s) {
        routes.add(s);
        s.readyAt = clock.instant();
        metrics.ready(s);
        metrics.outcome(s, SpawnMetrics.Status.SUCCESS);
        emit(s, SpawnState.READY, 100, "Server ready at " + s.target);
    }

    private void startTimedOut(Spawn s) {
        s.failure = FailureReason.START_TIMEOUT;
        metrics.outcome(s, SpawnMetrics.Status.START_TIMEOUT);
        emit(s, SpawnState.FAILED, 100, "The notebook did not answer within " + prober.startTimeout().toSeconds()
                + " s of job " + s.job.id() + " starting; the job is cancelled");
        cancelOnce(s).onComplete(x -> cleanUpAndSettle(s));
    }

    /** oardel once per spawn; OAR ends the job within a few ticks, and the poller sees it. */
    private Future<?> cancelOnce(Spawn s) {
        if (s.cancelSent) {
            return Future.succeededFuture();
        }
        s.cancelSent = true;
        // A cancel that did not get through is sent again on a later tick.
        return scheduler.cancel(s.job).onFailure(e -> s.cancelSent = false);
    }

    private void ended(Spawn s, JobStatus j) {
        s.exitStatus = j.exitStatus();
        routes.remove(s);
        scheduler.release(s.job);
        if (s.state == SpawnState.STOPPING) {
            metrics.outcome(s, SpawnMetrics.Status.CANCELLED);
            emit(s, SpawnState.STOPPED, 100, "Job " + s.job.id() + " was cancelled");
            cleanUpAndSettle(s);
            return;
        }
        FailureReason reason;
        String why;
        if (j.walltimeReached()) {
            reason = FailureReason.WALLTIME;
            why = "reached its walltime";
        } else if (j.events().contains("FRAG_JOB_REQUEST")) {
            reason = FailureReason.CANCELLED;
            why = "was deleted outside the hub (oardel)";
        } else {
            reason = s.state == SpawnState.READY ? FailureReason.CANCELLED : FailureReason.ENDED_BEFORE_READY;
            why = "ended" + j.exitStatus().stream().mapToObj(x -> " with exit status " + x).findFirst().orElse("")
                    + j.signal().stream().mapToObj(x -> " on signal " + x).findFirst().orElse("");
        }
        s.failure = reason;
        scheduler.stderrTail(s.job, s.key, STDERR_LINES).onComplete(tail -> {
            s.stderrTail = tail.succeeded() ? tail.result() : "";
            String message = "Job " + s.job.id() + " " + why
                    + (s.stderrTail.isBlank() ? "" : "; last lines of its stderr:\n" + s.stderrTail);
            metrics.outcome(s, SpawnMetrics.Status.valueOf(reason.name()));
            emit(s, SpawnState.FAILED, 100, message);
            cleanUpAndSettle(s);
        });
    }

    /** Removes the ended job's files; only then may a new job for the same server use its directory. */
    private void cleanUpAndSettle(Spawn s) {
        scheduler.cleanUp(s.job, s.key).onComplete(x -> s.settled.tryComplete());
    }

    private void emit(Spawn s, SpawnState state, int progress, String message) {
        s.state = state;
        s.message = message;
        s.progress = progress;
        if (state != SpawnState.QUEUED) {
            s.queuePosition = null;
        }
        LOG.info("event=spawn_{} user={} server={} cluster={} job={} message=\"{}\"", state.name().toLowerCase(),
                s.key.user(), s.key.server(), s.cluster, s.job == null ? "" : s.job.id(),
                message.lines().findFirst().orElse("").replace('"', '\''));
        events.append(s.key, state, progress, message);
    }

    /** One poll of a cluster now, as its tick does it; for tests, which use a tick too long to fire. */
    Future<Void> pollNow(String cluster) {
        return onContext(() -> {
            poller.tick(cluster);
            return Future.succeededFuture();
        });
    }

    /** One look at the proxy's table now, as the route keeper's tick does it; for tests. */
    Future<Void> syncRoutesNow() {
        return onContext(() -> {
            routes.sync();
            return Future.succeededFuture();
        });
    }

    private <T> Future<T> onContext(Supplier<Future<T>> work) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> {
            try {
                work.get().onComplete(p);
            } catch (RuntimeException e) {
                p.fail(e);
            }
        });
        return p.future();
    }

    /** Spawns of a cluster in a state; safe from any thread, for gauges. */
    public int count(String cluster, SpawnState state) {
        return (int) spawns.values().stream().filter(s -> s.cluster.equals(cluster) && s.state == state).count();
    }

    public Collection<String> clusters() {
        return scheduler.clusters();
    }

    @Override
    public void close() {
        context.runOnContext(v -> {
            poller.stop(vertx);
            routes.stop(vertx);
        });
        prober.close();
    }
}
