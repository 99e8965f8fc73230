package org.oarspawner.spawn;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/**
 * A fake, scripted {@link Scheduler} for the unit tests of the spawn lifecycle: the test says what OAR shows
 * (a job waits, runs, ends), and reads back every command the manager sent. The real OAR behind the same
 * interface is covered by the ITs (SpawnLifecycleIT, RoutesIT, OarSchedulerIT).
 */
final class FakeScheduler implements Scheduler {
    /** What OAR shows of one job. */
    static final class Job {
        final JobRef ref;
        final SpawnKey key;
        volatile JobState state = JobState.WAITING;
        volatile List<String> nodes = List.of();
        volatile Instant submitted;
        volatile Instant started;
        volatile Instant scheduledStart;
        volatile OptionalInt exit = OptionalInt.empty();
        volatile List<String> events = List.of();
        volatile Endpoint endpoint;
        volatile Duration walltime = Duration.ofHours(1);

        Job(JobRef ref, SpawnKey key, Instant submitted) {
            this.ref = ref;
            this.key = key;
            this.submitted = submitted;
        }

        JobStatus status() {
            return new JobStatus(ref, Optional.of(key), state, state.name(), nodes, walltime,
                    Optional.ofNullable(submitted), Optional.ofNullable(started), Optional.ofNullable(scheduledStart),
                    Optional.empty(), exit, OptionalInt.empty(), "", events);
        }
    }

    final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(100);
    private final java.time.Clock clock;

    final List<JobRequest> submitted = new CopyOnWriteArrayList<>();
    final List<List<Long>> statusCalls = new CopyOnWriteArrayList<>();
    final List<Long> cancels = new CopyOnWriteArrayList<>();
    final List<Long> released = new CopyOnWriteArrayList<>();
    final List<Long> cleaned = new CopyOnWriteArrayList<>();
    /** Each environment staged, as "job-id env", at submission and at each re-staging. */
    final List<String> staged = new CopyOnWriteArrayList<>();
    final AtomicInteger reaches = new AtomicInteger();

    /** When set, the next submissions fail with it. */
    volatile SchedulerException refuse;
    /** When set, submissions stay out (as a slow oarsub) until {@link #answerSubmits()}. */
    volatile boolean holdSubmits;
    private final List<Runnable> pendingSubmits = new CopyOnWriteArrayList<>();
    /** When set, cancels stay out (as a slow oardel) until {@link #answerCancels()}. */
    volatile boolean holdCancels;
    private final List<Runnable> pendingCancels = new CopyOnWriteArrayList<>();
    /** When set, status calls stay out until the test completes this promise's successor (see {@link #answerStatus()}). */
    volatile boolean holdStatus;
    volatile Promise<Map<Long, JobStatus>> pendingStatus;
    private volatile io.vertx.core.Context statusContext;
    /** How many of the next cancels fail as an unreachable frontend would. */
    final AtomicInteger failingCancels = new AtomicInteger();
    /** Each walltime extension asked for, as "job-id seconds". */
    final List<String> extensions = new CopyOnWriteArrayList<>();
    /** OAR's answer to the next extensions. */
    volatile org.oarspawner.spi.WalltimeChange walltimeAnswer = new org.oarspawner.spi.WalltimeChange(
            org.oarspawner.spi.WalltimeChange.Outcome.ACCEPTED, "Accepted: walltime change request accepted (scripted)");
    /** The clusters' warning lead (oarsub --checkpoint). */
    volatile Duration lead = Duration.ofMinutes(10);
    /** How many of the next re-stagings fail. */
    final AtomicInteger failingRestages = new AtomicInteger();
    /** Whether a cancel that got through ends the job, as oardel does on a real cluster a few seconds later. */
    volatile boolean cancelEndsJob = true;
    /** When set, reach() answers this URL (a tunnel) rather than the endpoint's own. */
    volatile String tunnel;

    FakeScheduler(java.time.Clock clock) {
        this.clock = clock;
    }

    // --- what OAR shows, as the test scripts it

    Job job(long id) {
        Job j = jobs.get(id);
        if (j == null) {
            throw new AssertionError("no job " + id + "; jobs are " + jobs.keySet());
        }
        return j;
    }

    Job only() {
        if (jobs.size() != 1) {
            throw new AssertionError("expected one job, got " + jobs.keySet());
        }
        return jobs.values().iterator().next();
    }

    void waitUntil(long id, Instant scheduledStart) {
        Job j = job(id);
        j.state = JobState.WAITING;
        j.scheduledStart = scheduledStart;
    }

    void run(long id, String node, Instant started) {
        Job j = job(id);
        j.state = JobState.RUNNING;
        j.nodes = List.of(node);
        j.started = started;
    }

    void listen(long id, Endpoint endpoint) {
        job(id).endpoint = endpoint;
    }

    void end(long id, JobState state, OptionalInt exit, String... events) {
        Job j = job(id);
        j.state = state;
        j.exit = exit;
        j.events = List.of(events);
    }

    /** Answers the status call that is out, with what OAR shows now. */
    void answerStatus() {
        Promise<Map<Long, JobStatus>> p = pendingStatus;
        pendingStatus = null;
        Map<Long, JobStatus> now = lookUp(lastStatusCall());
        // On the caller's context, as the real scheduler completes its futures.
        io.vertx.core.Context c = statusContext;
        if (c == null) {
            p.complete(now);
        } else {
            Await.on(c, () -> { p.complete(now); return null; });
        }
    }

    List<Long> lastStatusCall() {
        return statusCalls.get(statusCalls.size() - 1);
    }

    private Map<Long, JobStatus> lookUp(List<Long> ids) {
        return ids.stream().collect(Collectors.toMap(id -> id, id -> {
            Job j = jobs.get(id);
            return j == null ? JobStatus.gone(new JobRef("cpu", id, "bob")) : j.status();
        }));
    }

    // --- the Scheduler

    @Override
    public List<String> clusters() {
        return List.of("cpu", "gpu");
    }

    /** Answers the submissions that are out, on their callers' contexts. */
    void answerSubmits() {
        holdSubmits = false;
        pendingSubmits.forEach(Runnable::run);
        pendingSubmits.clear();
    }

    /** Answers the cancels that are out, on their callers' contexts. */
    void answerCancels() {
        holdCancels = false;
        pendingCancels.forEach(Runnable::run);
        pendingCancels.clear();
    }

    /** A call that stays out until {@code answers} are run: then it does {@code work} on the caller's context. */
    private static <T> Future<T> held(List<Runnable> answers, java.util.function.Supplier<Future<T>> work) {
        io.vertx.core.Context c = io.vertx.core.Vertx.currentContext();
        Promise<T> p = Promise.promise();
        answers.add(() -> Await.on(c, () -> {
            work.get().onComplete(p);
            return null;
        }));
        return p.future();
    }

    @Override
    public Future<JobRef> submit(JobRequest request) {
        if (holdSubmits) {
            return held(pendingSubmits, () -> submitNow(request));
        }
        return submitNow(request);
    }

    private Future<JobRef> submitNow(JobRequest request) {
        submitted.add(request);
        if (refuse != null) {
            return Future.failedFuture(refuse);
        }
        JobRef ref = new JobRef(request.cluster(), nextId.getAndIncrement(), request.login());
        jobs.put(ref.id(), new Job(ref, request.key(), clock.instant()));
        staged.add(ref.id() + " " + request.environment());
        return Future.succeededFuture(ref);
    }

    @Override
    public Future<Map<Long, JobStatus>> status(String cluster, Collection<JobRef> asked) {
        List<Long> ids = asked.stream().map(JobRef::id).toList();
        statusCalls.add(ids);
        if (holdStatus) {
            statusContext = io.vertx.core.Vertx.currentContext();
            pendingStatus = Promise.promise();
            return pendingStatus.future();
        }
        return Future.succeededFuture(lookUp(ids));
    }

    @Override
    public Future<List<JobStatus>> findActive(String cluster) {
        return Future.succeededFuture(jobs.values().stream()
                .filter(j -> j.ref.cluster().equals(cluster) && !j.state.isFinal()).map(Job::status).toList());
    }

    @Override
    public Future<Void> restage(JobRef job, JobRequest request) {
        if (failingRestages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Future.failedFuture(new SchedulerException(job.cluster(), SchedulerException.Reason.UNREACHABLE, -1,
                    "connection reset (scripted)"));
        }
        staged.add(job.id() + " " + request.environment());
        return Future.succeededFuture();
    }

    @Override
    public Future<Optional<Endpoint>> endpoint(JobRef job, SpawnKey key) {
        Job j = jobs.get(job.id());
        return Future.succeededFuture(j == null ? Optional.empty() : Optional.ofNullable(j.endpoint));
    }

    /** Each begun() call's job ids; begun() answers only when {@link #spool} is set, as with an endpoint spool. */
    final List<List<Long>> begunCalls = new CopyOnWriteArrayList<>();
    volatile boolean spool;
    /** When set, begun() calls stay out until the test completes this promise. */
    volatile boolean holdBegun;
    volatile Promise<java.util.Set<Long>> pendingBegun;

    /** The asked jobs that wrote their endpoint line ({@link #listen}), whatever OAR says of them. */
    @Override
    public Future<java.util.Set<Long>> begun(String cluster, Collection<JobRef> asked) {
        if (!spool) {
            return Future.succeededFuture(java.util.Set.of());
        }
        begunCalls.add(asked.stream().map(JobRef::id).toList());
        java.util.Set<Long> found = asked.stream().map(JobRef::id).filter(id -> jobs.containsKey(id) && jobs.get(id).endpoint != null)
                .collect(java.util.stream.Collectors.toSet());
        if (holdBegun) {
            pendingBegun = Promise.promise();
            return pendingBegun.future();
        }
        return Future.succeededFuture(found);
    }

    @Override
    public Future<String> reach(JobRef job, Endpoint endpoint) {
        reaches.incrementAndGet();
        String t = tunnel;
        return Future.succeededFuture(t != null ? t : endpoint.url());
    }

    @Override
    public Future<Void> release(JobRef job) {
        released.add(job.id());
        return Future.succeededFuture();
    }

    @Override
    public Future<String> stderrTail(JobRef job, SpawnKey key, int lines) {
        return Future.succeededFuture("");
    }

    @Override
    public Future<CancelResult> cancel(JobRef job) {
        if (holdCancels) {
            return held(pendingCancels, () -> cancelNow(job));
        }
        return cancelNow(job);
    }

    private Future<CancelResult> cancelNow(JobRef job) {
        cancels.add(job.id());
        if (failingCancels.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Future.failedFuture(new SchedulerException(job.cluster(), SchedulerException.Reason.UNREACHABLE, -1,
                    "connection reset (scripted)"));
        }
        Job j = jobs.get(job.id());
        if (j == null || j.state.isFinal()) {
            return Future.succeededFuture(j == null ? CancelResult.NOT_FOUND : CancelResult.ALREADY_ENDED);
        }
        if (cancelEndsJob) {
            end(job.id(), JobState.ERROR, OptionalInt.empty(), "FRAG_JOB_REQUEST");
        }
        return Future.succeededFuture(CancelResult.CANCELLED);
    }

    @Override
    public Future<Void> cleanUp(JobRef job, SpawnKey key) {
        cleaned.add(job.id());
        return Future.succeededFuture();
    }

    @Override
    public Future<org.oarspawner.spi.WalltimeChange> extendWalltime(JobRef job, Duration add) {
        extensions.add(job.id() + " " + add.toSeconds());
        return Future.succeededFuture(walltimeAnswer);
    }

    @Override
    public Duration checkpointLead(String cluster) {
        return lead;
    }

    @Override
    public Future<Void> ping(String cluster) {
        return Future.succeededFuture();
    }
}
