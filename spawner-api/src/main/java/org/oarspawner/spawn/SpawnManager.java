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
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.IgnoredJob;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.RouteRegistry;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every spawn's lifecycle: the state machine from submission to an end. OAR is the source of truth:
 * {@link #recover()} rebuilds the spawns from the job names OAR holds. The work around it has its own classes:
 * {@link ClusterPoller} (one status command per cluster per tick), {@link ReadinessProber} (endpoint, reach, HTTP
 * answer), {@link RouteKeeper} (the proxy's table), {@link EventLog} (progress events and their listeners),
 * {@link QueueRanking}, {@link Canceller} (oardel until OAR confirms), {@link Retention} (when ended spawns are
 * forgotten), {@link WalltimeChanges} (extensions), {@link EndingSoon} (the warning before the end) and
 * {@link LifecycleMetrics}. All state lives on one Vert.x context; public methods hop onto it.
 */
public final class SpawnManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnManager.class);
    private static final int STDERR_LINES = 20;

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
    private final StartWatch startWatch;
    private final RouteKeeper routes;
    private final FrontendPing pings;
    private final Retention retention;
    private final Canceller cancels;
    private final WalltimeChanges walltimes;
    private final EndingSoon endings;
    private final SpawnStarts starts;
    private long evictionTimer = -1;

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
        this(vertx, scheduler, tick, startTimeout, clock, metrics, routes, baseUrl, Retention.DEFAULT);
    }

    /** @param retention how long, and how many, ended spawns are remembered */
    public SpawnManager(Vertx vertx, Scheduler scheduler, Duration tick, Duration startTimeout, Clock clock, SpawnMetrics metrics,
                        RouteRegistry routes, String baseUrl, Retention retention) {
        this(vertx, scheduler, tick, startTimeout, clock, metrics, routes, baseUrl, retention, cluster -> Optional.empty());
    }

    /**
     * @param maxWalltime a cluster's longest walltime in all ({@code limits.maxWalltime}): an extension may not go beyond
     */
    public SpawnManager(Vertx vertx, Scheduler scheduler, Duration tick, Duration startTimeout, Clock clock, SpawnMetrics metrics,
                        RouteRegistry routes, String baseUrl, Retention retention, Function<String, Optional<Duration>> maxWalltime) {
        this.vertx = vertx;
        this.retention = retention;
        this.context = vertx.getOrCreateContext();
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = new LifecycleMetrics(metrics, clock);
        this.events = new EventLog(clock, EventLog.DEFAULT_CAPACITY);
        this.ranking = new QueueRanking(clock);
        // A spawn that ended with its cancel unconfirmed stays polled: its job must not outlive it.
        this.cancels = new Canceller(scheduler, this::cleanUpAndSettle);
        this.starts = new SpawnStarts(spawns, scheduler, clock, this.metrics, events, cancels, this::emit);
        this.poller = new ClusterPoller(scheduler, this.metrics, this::polledSpawns, s -> !s.state.isFinal() || s.cancelPending(),
                this::polled);
        this.prober = new ReadinessProber(vertx, scheduler, clock, tick, startTimeout, this::listening, this::ready, this::startTimedOut,
                this::endpointRefused);
        this.startWatch = new StartWatch(scheduler, clock, spawns::values, poller::pollSoon);
        this.routes = new RouteKeeper(scheduler, routes, baseUrl, spawns::values, this.metrics);
        this.pings = new FrontendPing(scheduler.clusters(), scheduler::ping, this.metrics, clock, tick, context, poller::idle);
        this.walltimes = new WalltimeChanges(scheduler, clock, maxWalltime, this::note);
        this.endings = new EndingSoon(scheduler::checkpointLead, clock, this::note);
        context.runOnContext(v -> {
            poller.start(vertx, tick);
            startWatch.start(vertx);
            this.routes.start(vertx, tick);
            pings.start(vertx, tick, FrontendPing.IDLE_EVERY);
            evictionTimer = vertx.setPeriodic(tick.toMillis(), id -> {
                evict();
                endings.tick(spawns.values());
            });
        });
    }

    /** A start as answered at once: the spawn's view, and whether it was live already (then no new job). */
    public record Started(Spawn.View view, boolean live) {
    }

    /**
     * Starts a server, or returns the live spawn for the same (user, server): never a second job. Completes once the
     * submission did (with the job id), and fails as the scheduler refused it (the spawn fails too). A spawn being
     * stopped is not live: the new one starts once the old job has ended and its directory is cleaned.
     */
    public Future<Spawn.View> start(JobRequest request) {
        return onContext(() -> starts.start(request));
    }

    /**
     * The same start, answered without waiting for oarsub: a new spawn in state submitting (its job id, or its
     * refusal, comes on its events), or the live one (see {@link SpawnStarts#startNow}).
     */
    public Future<Started> startNow(JobRequest request) {
        return onContext(() -> starts.startNow(request));
    }

    public Future<Optional<Spawn.View>> get(SpawnKey key) {
        return onContext(() -> Future.succeededFuture(Optional.ofNullable(spawns.get(key)).map(Spawn::snapshot)));
    }

    public Future<List<Spawn.View>> list() {
        return onContext(() -> Future.succeededFuture(spawns.values().stream().map(Spawn::snapshot).toList()));
    }

    /**
     * Cancels a spawn. Idempotent: stopping a stopped or unknown spawn is not an error. Answers once the cancel is
     * recorded: the route goes at once, and oardel goes in the background, again on each poll until OAR confirms.
     */
    public Future<Optional<Spawn.View>> stop(SpawnKey key) {
        return onContext(() -> {
            Spawn s = spawns.get(key);
            if (s == null || s.state.isFinal()) {
                return Future.succeededFuture(Optional.ofNullable(s).map(Spawn::snapshot));
            }
            if (s.job == null) {
                // oarsub is still running (or waits for the previous job): the job is cancelled once its id is known.
                emit(s, SpawnState.STOPPING, s.progress, "Stopping once the job is submitted");
                return Future.succeededFuture(Optional.of(s.snapshot()));
            }
            emit(s, SpawnState.STOPPING, 100, "Cancelling job " + s.job.id());
            routes.remove(s);
            cancels.cancel(s);
            return Future.succeededFuture(Optional.of(s.snapshot()));
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

    /**
     * Asks OAR to extend a running spawn's walltime by {@code add}, within the cluster's maxWalltime in all. Succeeds once
     * OAR accepted it, with the spawn's {@code walltimeChange} pending; fails with {@link WalltimeRefusal} (no such
     * spawn, not running, refused or disabled by OAR, with OAR's message) or an invalid {@code add}. The caller has
     * authorized the request for the spawn's user.
     */
    public Future<Spawn.View> extendWalltime(SpawnKey key, Duration add) {
        return onContext(() -> {
            WalltimeChanges.checkAdd(add);
            Spawn s = spawns.get(key);
            if (s == null || s.state.isFinal()) {
                throw new WalltimeRefusal(s == null ? WalltimeRefusal.Kind.NOT_FOUND : WalltimeRefusal.Kind.NOT_RUNNING,
                        "user " + key.user() + " has no " + (s == null ? "" : "running ") + "server '" + key.server() + "'");
            }
            return walltimes.extend(s, add);
        });
    }

    /** Receives the spawn's events from now on; returns the past ones after {@code lastEventId}. */
    public Future<List<SpawnEvent>> subscribe(SpawnKey key, long lastEventId, Consumer<SpawnEvent> listener) {
        return onContext(() -> Future.succeededFuture(events.subscribe(key, lastEventId, listener)));
    }

    public void unsubscribe(SpawnKey key, Consumer<SpawnEvent> listener) {
        events.unsubscribe(key, listener);
    }

    /** What the poller looks at: every spawn, and the stopping ones that a new start of their server replaced. */
    private Collection<Spawn> polledSpawns() {
        Collection<Spawn> previous = starts.predecessors();
        if (previous.isEmpty()) {
            return spawns.values();
        }
        List<Spawn> all = new ArrayList<>(spawns.values());
        all.addAll(previous);
        return all;
    }

    /** One poll's answer for a cluster's tracked spawns. */
    private void polled(String cluster, List<Spawn> tracked, Map<Long, JobStatus> statuses) {
        List<Spawn> queued = new ArrayList<>();
        for (Spawn s : tracked) {
            JobStatus j = statuses.get(s.job.id());
            if (j == null) {
                continue;
            }
            if (!s.state.isFinal()) {
                update(s, j, queued);
            } else if (s.cancelPending()) {
                cancels.polledAfterEnd(s, j);
            }
        }
        for (QueueRanking.Announcement a : ranking.rank(queued)) {
            emit(a.spawn(), SpawnState.QUEUED, 30, a.message());
        }
    }

    private void update(Spawn s, JobStatus j, List<Spawn> queued) {
        j.started().ifPresent(t -> s.walltimeEnd = t.plus(j.walltime()));
        // OAR keeps ended jobs: one it does not list at all is gone only if the next poll says so too, so that one odd
        // (empty) answer cannot end every spawn while the jobs run on.
        s.goneSeen = j.state() == JobState.GONE ? s.goneSeen + 1 : 0;
        if (s.goneSeen == 1) {
            return;
        }
        switch (j.state()) {
            case WAITING, HELD, LAUNCHING -> {
                if (s.state == SpawnState.STOPPING) {
                    cancels.cancel(s);
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
                    cancels.cancel(s);
                    return;
                }
                s.nodes = j.nodes();
                if (s.state == SpawnState.QUEUED || s.state == SpawnState.SUBMITTING) {
                    s.runningAt = j.started().orElse(clock.instant());
                    metrics.running(s);
                    emit(s, SpawnState.STARTING, 60, "Job " + s.job.id() + " is running on node " + String.join(",", j.nodes()));
                }
                s.warnedByOar = j.warnedBeforeEnd();
                walltimes.polled(s, j.walltime());
                endings.check(s);
                if (s.state == SpawnState.STARTING) {
                    prober.check(s);
                }
            }
            case TERMINATED, ERROR, GONE -> ended(s, j);
            default -> throw new IllegalStateException("unhandled job state " + j.state());
        }
    }

    private void listening(Spawn s) {
        String via = s.target.equals(s.endpoint.url()) ? "" : " (reached through " + s.target + ")";
        emit(s, SpawnState.STARTING, 80, "The notebook listens at " + s.endpoint.url() + via);
    }

    private void ready(Spawn s) {
        routes.add(s);
        s.readyAt = clock.instant();
        metrics.ready(s);
        metrics.outcome(s, SpawnMetrics.Status.SUCCESS);
        emit(s, SpawnState.READY, 100, "Server ready at " + s.target);
    }

    /**
     * The notebook did not answer in time: the spawn fails now, and its job is cancelled until OAR confirms (the
     * poller keeps the spawn while the cancel is unconfirmed); its files go once it is.
     */
    private void startTimedOut(Spawn s) {
        s.failure = FailureReason.START_TIMEOUT;
        metrics.outcome(s, SpawnMetrics.Status.START_TIMEOUT);
        emit(s, SpawnState.FAILED, 100, "The notebook did not answer within " + prober.startTimeout().toSeconds()
                + " s of job " + s.job.id() + " starting; the job is cancelled");
        letGo(s);
        cancels.cancel(s);
    }

    /** No request goes to an endpoint the job may not have: the spawn fails and its job is cancelled. */
    private void endpointRefused(Spawn s, Endpoint e, String why) {
        LOG.warn("event=endpoint_refused user={} server={} cluster={} job={} host={} port={} nodes={}", s.key.user(),
                s.key.server(), s.cluster, s.job.id(), e.host(), e.port(), String.join(",", s.nodes));
        s.failure = FailureReason.ENDPOINT_REFUSED;
        metrics.outcome(s, SpawnMetrics.Status.ENDPOINT_REFUSED);
        emit(s, SpawnState.FAILED, 100, "Job " + s.job.id() + " is cancelled: " + why
                + ". The notebook must listen on the node OAR gave the job; tell your administrators if you did not change this.");
        letGo(s);
        cancels.cancel(s);
    }

    /** Every end path lets go of what the job held in the service: its route and its tunnel. */
    private void letGo(Spawn s) {
        routes.remove(s);
        scheduler.release(s.job);
    }

    private void ended(Spawn s, JobStatus j) {
        s.exitStatus = j.exitStatus();
        cancels.jobEnded(s);
        letGo(s);
        if (s.state == SpawnState.STOPPING) {
            metrics.outcome(s, SpawnMetrics.Status.CANCELLED);
            emit(s, SpawnState.STOPPED, 100, "Job " + s.job.id() + " was cancelled");
            cleanUpAndSettle(s);
            return;
        }
        JobEnd end = JobEnd.of(j, s.state == SpawnState.READY);
        s.failure = end.reason();
        scheduler.stderrTail(s.job, s.key, STDERR_LINES).onComplete(tail -> {
            s.stderrTail = tail.succeeded() ? tail.result() : "";
            String message = "Job " + s.job.id() + " " + end.why()
                    + (s.stderrTail.isBlank() ? "" : "; last lines of its stderr:\n" + s.stderrTail);
            metrics.outcome(s, SpawnMetrics.Status.valueOf(end.reason().name()));
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
        if (state.isFinal() && s.endedAt == null) {
            s.endedAt = clock.instant();
        }
        if (state != SpawnState.QUEUED) {
            s.queuePosition = null;
        }
        LOG.info("event=spawn_{} user={} server={} cluster={} job={} message=\"{}\"", state.name().toLowerCase(),
                s.key.user(), s.key.server(), s.cluster, s.job == null ? "" : s.job.id(),
                message.lines().findFirst().orElse("").replace('"', '\''));
        append(s, state, progress, message);
    }

    /**
     * The spawn's event, with its job id once known and, when ready, where the proxy reaches it. Only the server's
     * current spawn writes its log: a stopping one that a new start replaced ends without a word in the new one's.
     */
    private void append(Spawn s, SpawnState state, int progress, String message) {
        if (spawns.get(s.key) == s) {
            events.append(s.key, state, progress, message, s.job == null ? null : s.job.id(),
                    state == SpawnState.READY ? s.target : null);
        }
    }

    /** An event for the user that does not change the spawn's state: a walltime extension, the warning before the end. */
    private void note(Spawn s, String message) {
        s.message = message;
        LOG.info("event=spawn_note user={} server={} cluster={} job={} message=\"{}\"", s.key.user(), s.key.server(), s.cluster,
                s.job == null ? "" : s.job.id(), message.replace('"', '\''));
        append(s, s.state, s.progress, message);
    }

    /** Forgets the ended spawns past their retention; what their jobs held in the service goes with them. */
    private void evict() {
        for (Spawn s : retention.toEvict(spawns.values(), clock.instant())) {
            if (spawns.remove(s.key, s)) {
                events.forget(s.key);
                if (s.job != null) {
                    scheduler.release(s.job);
                }
                LOG.info("event=spawn_evicted user={} server={} cluster={} job={} ended_at={}", s.key.user(), s.key.server(),
                        s.cluster, s.job == null ? "" : s.job.id(), s.endedAt);
            }
        }
    }

    /** One eviction pass now, as its tick does it; for tests. */
    Future<Void> evictNow() {
        return onContext(() -> {
            evict();
            return Future.succeededFuture();
        });
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

    /**
     * Pings the cluster's frontend, at most once per tick whoever asks (the idle pings share it); any thread. With
     * nothing to poll, a success refreshes the cluster's last-refresh time.
     */
    public Future<Void> ping(String cluster) {
        return pings.ping(cluster);
    }

    public Collection<String> clusters() {
        return scheduler.clusters();
    }

    @Override
    public void close() {
        context.runOnContext(v -> {
            poller.stop(vertx);
            startWatch.stop(vertx);
            routes.stop(vertx);
            pings.stop(vertx);
            vertx.cancelTimer(evictionTimer);
        });
        prober.close();
    }
}
