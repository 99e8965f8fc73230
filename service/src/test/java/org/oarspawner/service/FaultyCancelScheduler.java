package org.oarspawner.service;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/**
 * The real scheduler, with one fault injected: its first oardels fail as they do when the frontend's SSH connection
 * drops, without reaching OAR. Everything else goes to the real cluster.
 */
final class FaultyCancelScheduler implements Scheduler {
    private final Scheduler real;
    private final AtomicInteger failuresLeft;
    final AtomicInteger cancels = new AtomicInteger();

    FaultyCancelScheduler(Scheduler real, int failures) {
        this.real = real;
        this.failuresLeft = new AtomicInteger(failures);
    }

    @Override
    public Future<CancelResult> cancel(JobRef job) {
        cancels.incrementAndGet();
        if (failuresLeft.getAndDecrement() > 0) {
            return Future.failedFuture(new SchedulerException(job.cluster(), SchedulerException.Reason.UNREACHABLE, -1,
                    "connection to the frontend lost (injected)"));
        }
        return real.cancel(job);
    }

    @Override
    public List<String> clusters() {
        return real.clusters();
    }

    @Override
    public Future<JobRef> submit(JobRequest request) {
        return real.submit(request);
    }

    @Override
    public Future<Void> restage(JobRef job, JobRequest request) {
        return real.restage(job, request);
    }

    @Override
    public Future<Map<Long, JobStatus>> status(String cluster, Collection<JobRef> jobs) {
        return real.status(cluster, jobs);
    }

    @Override
    public Future<List<JobStatus>> findActive(String cluster) {
        return real.findActive(cluster);
    }

    @Override
    public Future<Optional<Endpoint>> endpoint(JobRef job, SpawnKey key) {
        return real.endpoint(job, key);
    }

    @Override
    public Future<String> reach(JobRef job, Endpoint endpoint) {
        return real.reach(job, endpoint);
    }

    @Override
    public Future<Void> release(JobRef job) {
        return real.release(job);
    }

    @Override
    public Future<String> stderrTail(JobRef job, SpawnKey key, int lines) {
        return real.stderrTail(job, key, lines);
    }

    @Override
    public Future<Void> cleanUp(JobRef job, SpawnKey key) {
        return real.cleanUp(job, key);
    }

    @Override
    public Future<Void> ping(String cluster) {
        return real.ping(cluster);
    }
}
