package org.oarspawner.spi;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs notebook jobs on a batch scheduler. Implementations do their remote work off the event loop
 * and complete the futures on the caller's context.
 */
public interface Scheduler {

    /** The clusters this scheduler drives. */
    List<String> clusters();

    /**
     * Stages the job's files and submits it. Fails with {@link SchedulerException} carrying the
     * scheduler's message (an admission rule's text, "There are not enough resources for your request").
     */
    Future<JobRef> submit(JobRequest request);

    /**
     * The status of many jobs of one cluster in one scheduler command, whatever their number.
     * A job the scheduler no longer knows maps to {@link JobState#GONE}.
     */
    Future<Map<Long, JobStatus>> status(String cluster, Collection<JobRef> jobs);

    /** This service's unfinished jobs on a cluster, found by their job names; used after a restart. */
    Future<List<JobStatus>> findActive(String cluster);

    /**
     * Writes the request's environment again for a job that has not started yet, in place of the one staged at
     * submission: the hub makes a new API token on each start, and a repeated start for a queued spawn brings it.
     * Only the environment changes; a job that already started keeps what it read.
     */
    Future<Void> restage(JobRef job, JobRequest request);

    /** Where the job's notebook listens, once the job script has written it. */
    Future<Optional<Endpoint>> endpoint(JobRef job, SpawnKey key);

    /**
     * Which of these queued jobs of the cluster have begun: their script wrote its endpoint line, which it does first
     * thing on the node. One command for all of them at a time, whatever their number, that forks nothing on the
     * frontend for a job that has not begun (an endpoint spool); a scheduler that cannot tell that cheaply answers
     * none, and its jobs are seen running at the next poll. A hint only: OAR says whether the job runs, and where.
     */
    default Future<Set<Long>> begun(String cluster, Collection<JobRef> jobs) {
        return Future.succeededFuture(Set.of());
    }

    /**
     * The URL the proxy uses to reach the job's notebook: the node itself, or a tunnel through the cluster's
     * frontend for nodes the hub cannot reach. Calling it again returns the same tunnel while it lives, and a
     * new one after the frontend connection was lost.
     */
    Future<String> reach(JobRef job, Endpoint endpoint);

    /** Closes the job's tunnel, if it has one. */
    Future<Void> release(JobRef job);

    /** The last lines of the job's standard error, for a job that ended before it was ready. */
    Future<String> stderrTail(JobRef job, SpawnKey key, int lines);

    /** Deletes the job. Idempotent: cancelling an ended or unknown job is not an error. */
    Future<CancelResult> cancel(JobRef job);

    /** Removes the job's staged files; call once the job is final and its output was read. */
    Future<Void> cleanUp(JobRef job, SpawnKey key);

    /** Checks that the cluster's frontend answers over SSH. */
    Future<Void> ping(String cluster);

    /**
     * Asks the scheduler to add {@code add} to a running job's walltime, as the job's login. The scheduler applies an
     * accepted change at its next pass: {@link #status} shows the new walltime then.
     */
    default Future<WalltimeChange> extendWalltime(JobRef job, Duration add) {
        return Future.failedFuture(new UnsupportedOperationException("this scheduler cannot change a walltime"));
    }

    /**
     * How long before its walltime a job of the cluster is warned (OAR's --checkpoint, then SIGUSR2 to the job);
     * zero when the cluster warns nobody.
     */
    default Duration checkpointLead(String cluster) {
        return Duration.ZERO;
    }

    /** What the cluster has free now: one command per call, so callers cache it ({@code FreeResourcesCache}). */
    default Future<FreeResources> freeResources(String cluster) {
        return Future.failedFuture(new UnsupportedOperationException("this scheduler does not report free resources"));
    }
}
