package org.oarspawner.http;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/**
 * A scheduler whose clusters cannot be reached: what the HTTP layer sees with every frontend down. The
 * routing, validation and auth tests use it to prove that a refused request never reaches a scheduler
 * (a call that did would answer 503, not the 4xx asserted).
 */
final class NoClusterScheduler implements Scheduler {
    /** Every free-resources question (oarnodes), by every instance: the profiles test counts them. */
    static final java.util.concurrent.atomic.AtomicInteger FREE_ASKED = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Future<org.oarspawner.spi.FreeResources> freeResources(String cluster) {
        FREE_ASKED.incrementAndGet();
        return down(cluster);
    }

    private static <T> Future<T> down(String cluster) {
        return Future.failedFuture(new SchedulerException(cluster, SchedulerException.Reason.UNREACHABLE, -1,
                "no frontend in unit tests"));
    }

    @Override
    public List<String> clusters() {
        return List.of("cpu", "gpu");
    }

    @Override
    public Future<JobRef> submit(JobRequest request) {
        return down(request.cluster());
    }

    @Override
    public Future<Map<Long, JobStatus>> status(String cluster, Collection<JobRef> jobs) {
        return down(cluster);
    }

    @Override
    public Future<List<JobStatus>> findActive(String cluster) {
        return down(cluster);
    }

    @Override
    public Future<Void> restage(JobRef job, JobRequest request) {
        return down(job.cluster());
    }

    @Override
    public Future<Optional<Endpoint>> endpoint(JobRef job, SpawnKey key) {
        return down(job.cluster());
    }

    @Override
    public Future<String> reach(JobRef job, Endpoint endpoint) {
        return down(job.cluster());
    }

    @Override
    public Future<Void> release(JobRef job) {
        return down(job.cluster());
    }

    @Override
    public Future<String> stderrTail(JobRef job, SpawnKey key, int lines) {
        return down(job.cluster());
    }

    @Override
    public Future<CancelResult> cancel(JobRef job) {
        return down(job.cluster());
    }

    @Override
    public Future<Void> cleanUp(JobRef job, SpawnKey key) {
        return down(job.cluster());
    }

    @Override
    public Future<Void> ping(String cluster) {
        return down(cluster);
    }
}
