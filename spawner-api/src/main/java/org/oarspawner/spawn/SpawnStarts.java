package org.oarspawner.spawn;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start path of the lifecycle. A start is decided at once: the live spawn of the same (user, server), never a
 * second job, or a new spawn in state submitting whose submission runs behind it. oarsub's answer (the job id) or
 * its refusal (a failed spawn with the scheduler's message and reason) comes on the spawn's events. A start for a
 * server whose previous job is still being stopped waits for that job to end and its directory to be cleaned (at most
 * {@link #STOP_WAIT}) before it submits: both jobs would share that directory. The previous spawn stays polled
 * meanwhile ({@link #predecessors()}), so that its cancel is retried and its end seen. Runs on the manager's context.
 */
final class SpawnStarts {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnStarts.class);
    /** How long a start waits for the same server's previous job to end (OAR takes ~10 s after an oardel). */
    static final Duration STOP_WAIT = Duration.ofMinutes(2);

    /** What the manager does for the start path: its one way to change a spawn's state. */
    interface Emitter {
        void emit(Spawn s, SpawnState state, int progress, String message);
    }

    private final Map<SpawnKey, Spawn> spawns;
    /** Spawns being stopped whose server started again: no longer the server's spawn, still polled until settled. */
    private final Set<Spawn> predecessors = ConcurrentHashMap.newKeySet();
    private final Scheduler scheduler;
    private final Clock clock;
    private final LifecycleMetrics metrics;
    private final EventLog events;
    private final Canceller cancels;
    private final Emitter emitter;

    SpawnStarts(Map<SpawnKey, Spawn> spawns, Scheduler scheduler, Clock clock, LifecycleMetrics metrics, EventLog events,
                Canceller cancels, Emitter emitter) {
        this.spawns = spawns;
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
        this.cancels = cancels;
        this.emitter = emitter;
    }

    /** A start as decided: the spawn, and whether it was live already (then nothing new was submitted). */
    record Begun(Spawn spawn, boolean live) {
    }

    /**
     * Decides a start now, without waiting for any command: the live spawn, or a new one whose submission (after the
     * previous job of the server ended, if one is being stopped) goes on in the background, in {@code spawn.submission}.
     */
    private Begun begin(JobRequest request) {
        Spawn live = spawns.get(request.key());
        Optional<Spawn> previous = unsettled(request.key(), live);
        if (previous.isEmpty() && live != null && !live.state.isFinal()) {
            return new Begun(live, true);
        }
        Spawn s = new Spawn(request.key(), request.cluster(), request.login(), clock.instant());
        s.stagedEnvironment = Spawn.digest(request.environment());
        spawns.put(request.key(), s);
        events.restart(s.key);
        if (previous.isEmpty()) {
            emitter.emit(s, SpawnState.SUBMITTING, 5, "Submitting the job to cluster " + s.cluster);
            s.submission = submit(s, request);
            return new Begun(s, false);
        }
        Spawn old = previous.get();
        // Still polled (while its job runs or its cancel is unconfirmed), so that its end is seen; it leaves once settled.
        if (predecessors.add(old)) {
            old.settled.future().onComplete(x -> predecessors.remove(old));
        }
        String job = old.job == null ? "" : " " + old.job.id();
        LOG.info("event=start_waits_for_stop user={} server={} cluster={} job={}", old.key.user(), old.key.server(), old.cluster,
                old.job == null ? "" : old.job.id());
        emitter.emit(s, SpawnState.SUBMITTING, 5, "Waiting for the previous job" + job + " of this server to end; the job is"
                + " submitted to cluster " + s.cluster + " then");
        s.submission = old.settled.future().timeout(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS).transform(r -> {
            if (r.failed()) {
                return refused(s, new SchedulerException(old.cluster, SchedulerException.Reason.FAILED, -1, "the previous job"
                        + job + " of this server is still being stopped after " + STOP_WAIT.toSeconds()
                        + " s; start again once OAR has ended it"));
            }
            if (s.state == SpawnState.STOPPING) {
                metrics.outcome(s, SpawnMetrics.Status.CANCELLED);
                emitter.emit(s, SpawnState.STOPPED, 100, "Stopped before its job was submitted");
                s.settled.tryComplete();
                return Future.succeededFuture(s.snapshot());
            }
            emitter.emit(s, SpawnState.SUBMITTING, 5, "Submitting the job to cluster " + s.cluster);
            return submit(s, request);
        });
        return new Begun(s, false);
    }

    /** A start that completes once submitted (or fails as refused); see {@link SpawnManager#start}. */
    Future<Spawn.View> start(JobRequest request) {
        Begun b = begin(request);
        if (!b.live()) {
            return b.spawn().submission;
        }
        Spawn live = b.spawn();
        Future<Spawn.View> current = live.job == null && live.submission != null ? live.submission
                : Future.succeededFuture(live.snapshot());
        return current.compose(v -> restageIfQueued(live, request));
    }

    /**
     * A start answered without waiting for oarsub. A repeated start of a live spawn whose job waits in the queue restages
     * the new environment first (one command); one still submitting restages it once submitted, behind the answer.
     */
    Future<SpawnManager.Started> startNow(JobRequest request) {
        Begun b = begin(request);
        Spawn s = b.spawn();
        if (!b.live()) {
            return Future.succeededFuture(new SpawnManager.Started(s.snapshot(), false));
        }
        if (s.job == null && s.submission != null) {
            s.submission.compose(v -> restageIfQueued(s, request)).onFailure(e -> LOG.warn(
                    "event=restage_failed user={} server={} cluster={} error=\"{}\"", s.key.user(), s.key.server(), s.cluster,
                    String.valueOf(e.getMessage()).replace('"', '\'')));
            return Future.succeededFuture(new SpawnManager.Started(s.snapshot(), true));
        }
        return restageIfQueued(s, request).map(v -> new SpawnManager.Started(v, true));
    }

    /**
     * A repeated start for a spawn whose job still waits brings the hub's new token: the job must start with it, so
     * the new environment replaces the staged one. Once the job runs, it has read its environment; nothing changes.
     */
    private Future<Spawn.View> restageIfQueued(Spawn s, JobRequest request) {
        String digest = Spawn.digest(request.environment());
        if (s.state != SpawnState.QUEUED || s.job == null || digest.equals(s.stagedEnvironment)) {
            return Future.succeededFuture(s.snapshot());
        }
        return scheduler.restage(s.job, request).map(v -> {
            s.stagedEnvironment = digest;
            LOG.info("event=job_restaged user={} server={} cluster={} job={}", s.key.user(), s.key.server(), s.cluster, s.job.id());
            return s.snapshot();
        });
    }

    /** The spawns that are no longer their server's but are still stopping: the poller keeps them. */
    Collection<Spawn> predecessors() {
        return predecessors;
    }

    /** The server's spawn being stopped or cleaned, the one a new start waits for; the live one, or a predecessor. */
    private Optional<Spawn> unsettled(SpawnKey key, Spawn live) {
        if (live != null && (live.state == SpawnState.STOPPING || (live.state.isFinal() && !live.settled.future().isComplete()))) {
            return Optional.of(live);
        }
        if (live != null && !live.state.isFinal()) {
            return Optional.empty();
        }
        return predecessors.stream().filter(p -> p.key.equals(key) && !p.settled.future().isComplete()).findFirst();
    }

    /** oarsub, then the job id on the spawn's events; a refusal fails the spawn (and the returned future). */
    private Future<Spawn.View> submit(Spawn s, JobRequest request) {
        return scheduler.submit(request).map(job -> {
            s.job = job;
            s.submittedAt = clock.instant();
            if (s.state == SpawnState.STOPPING) {
                cancels.cancel(s);
                return s.snapshot();
            }
            emitter.emit(s, SpawnState.QUEUED, 10, "Submitted as job " + job.id() + " on cluster " + s.cluster);
            return s.snapshot();
        }).recover(e -> refused(s, e));
    }

    /**
     * The submission was refused (OAR's admission rules, no account, the frontend unreachable...): the spawn fails with
     * the scheduler's message and reason, the very ones a PUT answered with when it waited for oarsub.
     */
    private Future<Spawn.View> refused(Spawn s, Throwable e) {
        s.refusal = e instanceof SchedulerException se ? se.reason() : SchedulerException.Reason.FAILED;
        s.failure = s.refusal == SchedulerException.Reason.UNREACHABLE ? FailureReason.UNREACHABLE : FailureReason.REJECTED;
        metrics.outcome(s, s.failure == FailureReason.UNREACHABLE ? SpawnMetrics.Status.UNREACHABLE : SpawnMetrics.Status.REJECTED);
        String why = e instanceof SchedulerException ? e.getMessage()
                : "cluster " + s.cluster + ": the job could not be submitted: " + e.getMessage();
        emitter.emit(s, SpawnState.FAILED, 100, why);
        s.settled.tryComplete();
        return Future.failedFuture(e);
    }
}
