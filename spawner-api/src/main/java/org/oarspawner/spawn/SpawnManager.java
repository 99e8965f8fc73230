package org.oarspawner.spawn;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.IgnoredJob;
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
 * Owns every spawn's lifecycle. OAR is the source of truth: {@link #recover()} rebuilds the spawns from the
 * job names OAR holds. One poller per cluster sends one status command per tick, whatever the number of spawns.
 * All state lives on one Vert.x context; public methods hop onto it.
 */
public final class SpawnManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnManager.class);
    private static final int STDERR_LINES = 20;
    /** How long a start waits for the same server's previous job to end (OAR takes ~10 s after an oardel). */
    private static final Duration STOP_WAIT = Duration.ofMinutes(2);

    private final Vertx vertx;
    private final Context context;
    private final Scheduler scheduler;
    private final Duration startTimeout;
    private final Duration tick;
    private final Clock clock;
    private final HttpClient http;
    // Concurrent only so that the metrics gauge may count from the scrape thread; all changes happen on the context.
    private final Map<SpawnKey, Spawn> spawns = new ConcurrentHashMap<>();
    private final SpawnMetrics metrics;
    private final RouteRegistry routes;
    private final String baseUrl;
    private final Map<SpawnKey, List<Consumer<SpawnEvent>>> subscribers = new ConcurrentHashMap<>();
    private final List<Long> timers = new ArrayList<>();
    private final java.util.Set<String> polling = new java.util.HashSet<>();

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
        this.routes = routes;
        this.baseUrl = baseUrl;
        this.metrics = metrics;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.scheduler = scheduler;
        this.startTimeout = startTimeout;
        this.tick = tick;
        this.clock = clock;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setIdleTimeout(5));
        for (String cluster : scheduler.clusters()) {
            context.runOnContext(v -> timers.add(vertx.setPeriodic(tick.toMillis(), id -> tick(cluster))));
        }
        if (routes != null) {
            context.runOnContext(v -> timers.add(vertx.setPeriodic(tick.toMillis(), id -> syncRoutes())));
        }
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
                recordOutcome(s, s.failure == FailureReason.UNREACHABLE ? SpawnMetrics.Status.UNREACHABLE : SpawnMetrics.Status.REJECTED);
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
                emit(s, SpawnState.STOPPING, s.progress(), "Stopping once the job is submitted");
                return Future.succeededFuture(Optional.of(s.snapshot()));
            }
            emit(s, SpawnState.STOPPING, 100, "Cancelling job " + s.job.id());
            return cancelOnce(s).map(r -> Optional.of(s.snapshot()));
        });
    }

    /**
     * Rebuilds the spawns from OAR's jobs of this instance; call at start, before serving. Returns how many.
     * The scheduler gives only jobs whose names it made; a job is a user's spawn only if OAR's owner is also the
     * login that {@code loginOf} gives that user now. Any other is someone's: logged, counted, never cancelled.
     */
    public Future<Integer> recover(Function<String, Optional<String>> loginOf) {
        return onContext(() -> {
            List<Future<List<JobStatus>>> found = scheduler.clusters().stream().map(scheduler::findActive).toList();
            return Future.all(found).map(all -> {
                int n = 0;
                for (Future<List<JobStatus>> f : found) {
                    for (JobStatus j : f.result()) {
                        SpawnKey key = j.key().orElseThrow();
                        if (!loginOf.apply(key.user()).map(j.ref().login()::equals).orElse(false)) {
                            metrics.jobIgnored(j.ref().cluster(), IgnoredJob.FOREIGN_OWNER);
                            LOG.warn("event=job_ignored reason=foreign_owner cluster={} job={} owner={} user={} server={} login={}",
                                    j.ref().cluster(), j.ref().id(), j.ref().login(), key.user(), key.server(),
                                    loginOf.apply(key.user()).orElse(""));
                            continue;
                        }
                        Spawn known = spawns.get(key);
                        if (known != null && known.job != null && known.job.id() == j.ref().id()) {
                            continue;
                        }
                        Spawn s = new Spawn(key, j.ref().cluster(), j.ref().login(), j.submitted().orElse(clock.instant()));
                        s.job = j.ref();
                        s.submittedAt = j.submitted().orElse(clock.instant());
                        spawns.put(key, s);
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
        return onContext(() -> {
            subscribers.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(listener);
            Spawn s = spawns.get(key);
            List<SpawnEvent> past = s == null ? List.of()
                    : s.events.stream().filter(e -> e.id() > lastEventId).toList();
            return Future.succeededFuture(past);
        });
    }

    public void unsubscribe(SpawnKey key, Consumer<SpawnEvent> listener) {
        List<Consumer<SpawnEvent>> l = subscribers.get(key);
        if (l != null) {
            l.remove(listener);
        }
    }

    /** One poll of a cluster: one status command for all its tracked jobs. */
    void tick(String cluster) {
        List<Spawn> tracked = spawns.values().stream()
                .filter(s -> s.cluster.equals(cluster) && s.job != null && !s.state.isFinal()).toList();
        // A slow frontend must not pile polls up: a tick skips while the last poll is still out.
        if (tracked.isEmpty() || !polling.add(cluster)) {
            return;
        }
        metrics.polled(cluster);
        scheduler.status(cluster, tracked.stream().map(s -> s.job).toList()).onComplete(x -> polling.remove(cluster)).onSuccess(statuses -> {
            List<Spawn> queued = new ArrayList<>();
            for (Spawn s : tracked) {
                JobStatus j = statuses.get(s.job.id());
                if (j != null && !s.state.isFinal()) {
                    update(s, j, queued);
                }
            }
            rankQueue(queued, statuses);
        }).onFailure(e -> LOG.warn("event=poll_failed cluster={} spawns={} error=\"{}\"", cluster, tracked.size(), e.getMessage()));
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
                    if (s.submittedAt != null) {
                        metrics.queueWait(s.cluster, Duration.between(s.submittedAt, s.runningAt));
                    }
                    emit(s, SpawnState.STARTING, 60, "Job " + s.job.id() + " is running on node " + String.join(",", j.nodes()));
                }
                if (s.state == SpawnState.STARTING) {
                    checkReady(s);
                }
            }
            case TERMINATED, ERROR, GONE -> ended(s, j);
            default -> throw new IllegalStateException("unhandled job state " + j.state());
        }
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
        removeRoute(s);
        scheduler.release(s.job);
        if (s.state == SpawnState.STOPPING) {
            recordOutcome(s, SpawnMetrics.Status.CANCELLED);
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
            recordOutcome(s, SpawnMetrics.Status.valueOf(reason.name()));
            emit(s, SpawnState.FAILED, 100, message);
            cleanUpAndSettle(s);
        });
    }

    /** Removes the ended job's files; only then may a new job for the same server use its directory. */
    private void cleanUpAndSettle(Spawn s) {
        scheduler.cleanUp(s.job, s.key).onComplete(x -> s.settled.tryComplete());
    }

    private void checkReady(Spawn s) {
        if (s.checking) {
            return;
        }
        if (clock.instant().isAfter(s.runningAt.plus(startTimeout))) {
            s.failure = FailureReason.START_TIMEOUT;
            recordOutcome(s, SpawnMetrics.Status.START_TIMEOUT);
            emit(s, SpawnState.FAILED, 100, "The notebook did not answer within " + startTimeout.toSeconds()
                    + " s of job " + s.job.id() + " starting; the job is cancelled");
            cancelOnce(s).onComplete(x -> cleanUpAndSettle(s));
            return;
        }
        s.checking = true;
        Future<Boolean> check = s.target != null ? answers(s)
                : scheduler.endpoint(s.job, s.key).compose(e -> {
                    if (e.isEmpty() || s.state != SpawnState.STARTING) {
                        return Future.succeededFuture(false);
                    }
                    Optional<String> refused = EndpointRule.refusal(e.get(), s.nodes);
                    if (refused.isPresent()) {
                        refuseEndpoint(s, e.get(), refused.get());
                        return Future.succeededFuture(false);
                    }
                    s.endpoint = e.get();
                    return scheduler.reach(s.job, s.endpoint).compose(target -> {
                        s.target = target;
                        String via = target.equals(s.endpoint.url()) ? "" : " (reached through " + target + ")";
                        emit(s, SpawnState.STARTING, 80, "The notebook listens at " + s.endpoint.url() + via);
                        return answers(s);
                    });
                });
        check.onComplete(r -> {
            s.checking = false;
            if (!(r.succeeded() && r.result()) && s.state == SpawnState.STARTING && !s.retryScheduled) {
                // The notebook is moments from listening: look again soon (250 ms, doubling), not a whole tick later.
                long delay = Math.min(tick.toMillis(), 250L << Math.min(s.readyChecks++, 6));
                s.retryScheduled = true;
                vertx.setTimer(delay, t -> {
                    s.retryScheduled = false;
                    if (s.state == SpawnState.STARTING) {
                        checkReady(s);
                    }
                });
            }
            if (r.succeeded() && r.result() && s.state == SpawnState.STARTING) {
                addRoute(s);
                s.readyAt = clock.instant();
                metrics.runningToReady(s.cluster, Duration.between(s.runningAt, s.readyAt));
                recordOutcome(s, SpawnMetrics.Status.SUCCESS);
                emit(s, SpawnState.READY, 100, "Server ready at " + s.target);
            }
        });
    }

    /** No request goes to an endpoint the job may not have: the spawn fails and its job is cancelled. */
    private void refuseEndpoint(Spawn s, org.oarspawner.spi.Endpoint e, String why) {
        LOG.warn("event=endpoint_refused user={} server={} cluster={} job={} host={} port={} nodes={}", s.key.user(),
                s.key.server(), s.cluster, s.job.id(), e.host(), e.port(), String.join(",", s.nodes));
        s.failure = FailureReason.ENDPOINT_REFUSED;
        recordOutcome(s, SpawnMetrics.Status.ENDPOINT_REFUSED);
        emit(s, SpawnState.FAILED, 100, "Job " + s.job.id() + " is cancelled: " + why
                + ". The notebook must listen on the node OAR gave the job; tell your administrators if you did not change this.");
        cancelOnce(s).onComplete(x -> cleanUpAndSettle(s));
    }

    /** Any HTTP answer means the notebook listens; the hub then checks its own URL. */
    private Future<Boolean> answers(Spawn s) {
        return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(s.target + "/"))
                .compose(req -> req.send().map(resp -> true))
                .otherwise(false);
    }

    /** The route goes in as the notebook answers, with the data JupyterHub writes, so check_routes agrees. */
    private void addRoute(Spawn s) {
        if (routes != null) {
            routes.add(HubRoutes.route(baseUrl, s.key, s.target)).onFailure(e -> LOG.warn(
                    "event=route_add_failed user={} server={} cluster={} job={} error=\"{}\"", s.key.user(), s.key.server(),
                    s.cluster, s.job.id(), e.getMessage()));
        }
    }

    /** The route goes the moment the job ends, whatever ended it (walltime, oardel from outside, node failure). */
    private void removeRoute(Spawn s) {
        if (routes != null) {
            routes.remove(HubRoutes.path(baseUrl, s.key)).onFailure(e -> LOG.warn(
                    "event=route_remove_failed user={} server={} cluster={} error=\"{}\"", s.key.user(), s.key.server(),
                    s.cluster, e.getMessage()));
        }
    }

    /** One look at the proxy per tick: puts back the routes of ready spawns that it lost (a CHP restart, say). */
    void syncRoutes() {
        List<Spawn> ready = spawns.values().stream().filter(s -> s.state == SpawnState.READY && s.endpoint != null).toList();
        if (ready.isEmpty()) {
            return;
        }
        routes.list().onSuccess(table -> {
            for (Spawn s : ready) {
                // reach() gives the same tunnel while it lives, and a new one after the frontend connection dropped.
                scheduler.reach(s.job, s.endpoint).onSuccess(target -> {
                    s.target = target;
                    RouteRegistry.Route want = HubRoutes.route(baseUrl, s.key, target);
                    RouteRegistry.Route have = table.get(want.path());
                    if (s.state == SpawnState.READY && (have == null || !want.target().equals(have.target()))) {
                        LOG.info("event=route_restored user={} server={} cluster={} job={} path={} target={}", s.key.user(),
                                s.key.server(), s.cluster, s.job.id(), want.path(), target);
                        addRoute(s);
                    }
                });
            }
        }).onFailure(e -> LOG.warn("event=route_sync_failed error=\"{}\"", e.getMessage()));
    }

    /** Ranks this service's waiting jobs on a cluster by estimated start, then submission. */
    private void rankQueue(List<Spawn> queued, Map<Long, JobStatus> statuses) {
        queued.sort(Comparator.comparing((Spawn s) -> Optional.ofNullable(s.scheduledStart).orElse(Instant.MAX))
                .thenComparing(s -> s.job.id()));
        for (int i = 0; i < queued.size(); i++) {
            Spawn s = queued.get(i);
            Integer position = i + 1;
            if (!position.equals(s.queuePosition) || !java.util.Objects.equals(s.scheduledStart, s.announcedStart)) {
                s.queuePosition = position;
                s.announcedStart = s.scheduledStart;
                String estimate = s.scheduledStart == null ? "" : ", estimated start " + EstimatedStart.describe(s.scheduledStart, clock.instant(), clock.getZone());
                emit(s, SpawnState.QUEUED, 30, "Job " + s.job.id() + " is waiting, position " + position + estimate);
            }
        }
    }

    private void emit(Spawn s, SpawnState state, int progress, String message) {
        s.state = state;
        s.message = message;
        if (state != SpawnState.QUEUED) {
            s.queuePosition = null;
        }
        SpawnEvent e = new SpawnEvent(s.nextEventId++, clock.instant(), state, progress, message,
                state == SpawnState.READY, state == SpawnState.FAILED);
        s.events.add(e);
        if (s.events.size() > Spawn.MAX_EVENTS) {
            s.events.remove(0);
        }
        LOG.info("event=spawn_{} user={} server={} cluster={} job={} message=\"{}\"", state.name().toLowerCase(),
                s.key.user(), s.key.server(), s.cluster, s.job == null ? "" : s.job.id(),
                message.lines().findFirst().orElse("").replace('"', '\''));
        List<Consumer<SpawnEvent>> l = subscribers.get(s.key);
        if (l != null) {
            l.forEach(c -> c.accept(e));
        }
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

    private void recordOutcome(Spawn s, SpawnMetrics.Status status) {
        if (!s.outcomeRecorded) {
            s.outcomeRecorded = true;
            metrics.spawnFinished(s.cluster, status, Duration.between(s.createdAt, clock.instant()));
        }
    }

    public Collection<String> clusters() {
        return scheduler.clusters();
    }

    @Override
    public void close() {
        context.runOnContext(v -> timers.forEach(vertx::cancelTimer));
        http.close();
    }
}
