package org.oarspawner.spawn;

import java.time.Clock;
import java.time.Duration;
import org.oarspawner.metrics.SpawnMetrics;

/**
 * Records a spawn's milestones for operators: one outcome per spawn, its queue wait, its time to ready, each poll; and
 * each cluster's last refresh from OAR and its proxy routes.
 */
final class LifecycleMetrics {
    private final SpawnMetrics metrics;
    private final Clock clock;

    LifecycleMetrics(SpawnMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /** How the spawn ended or became ready, from its PUT; only the first outcome of a spawn counts. */
    void outcome(Spawn s, SpawnMetrics.Status status) {
        if (!s.outcomeRecorded) {
            s.outcomeRecorded = true;
            metrics.spawnFinished(s.cluster, status, Duration.between(s.createdAt, clock.instant()));
        }
    }

    /** The job runs: its wait in OAR's queue, when the submission time is known. */
    void running(Spawn s) {
        if (s.submittedAt != null && s.runningAt != null) {
            metrics.queueWait(s.cluster, Duration.between(s.submittedAt, s.runningAt));
        }
    }

    /** The notebook answers: from OAR's Running to ready. */
    void ready(Spawn s) {
        metrics.runningToReady(s.cluster, Duration.between(s.runningAt, s.readyAt));
    }

    void polled(String cluster) {
        metrics.polled(cluster);
    }

    /** The cluster's state was refreshed from OAR now (a poll, or with nothing to poll a ping, that succeeded). */
    void refreshed(String cluster) {
        metrics.refreshed(cluster, clock.instant());
    }

    void routes(String cluster, int expected, int present) {
        metrics.routes(cluster, expected, present);
    }

    /** A job recovery did not take for a spawn. */
    void jobIgnored(String cluster, org.oarspawner.spi.IgnoredJob why) {
        metrics.jobIgnored(cluster, why);
    }
}
