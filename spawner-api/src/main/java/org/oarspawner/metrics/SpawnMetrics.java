package org.oarspawner.metrics;

import java.time.Duration;
import java.time.Instant;
import org.oarspawner.spi.IgnoredJob;

/** What the spawn lifecycle reports for operators. */
public interface SpawnMetrics {
    /** How a spawn ended, as the {@code status} label says it. */
    enum Status { SUCCESS, REJECTED, ENDED_BEFORE_READY, WALLTIME, CANCELLED, START_TIMEOUT, UNREACHABLE, ENDPOINT_REFUSED }

    /** From the PUT to ready or to failure. */
    default void spawnFinished(String cluster, Status status, Duration duration) {
    }

    /** From submission to OAR's Running. */
    default void queueWait(String cluster, Duration duration) {
    }

    /** From OAR's Running to the notebook answering. */
    default void runningToReady(String cluster, Duration duration) {
    }

    /** One poll of a cluster: one status command for all its tracked jobs. */
    default void polled(String cluster) {
    }

    /** A job of this instance that recovery did not take for a spawn: someone's, never cancelled. */
    default void jobIgnored(String cluster, IgnoredJob why) {
    }

    /**
     * The cluster's state was refreshed from OAR: a poll whose status command succeeded, or, with nothing to poll, a
     * ping of its frontend that succeeded.
     */
    default void refreshed(String cluster, Instant at) {
    }

    /** At the route keeper's check: the cluster's ready spawns that should have a proxy route, and how many have it. */
    default void routes(String cluster, int expected, int present) {
    }

    /** Reports nothing: every method is a no-op by default. */
    SpawnMetrics NONE = new SpawnMetrics() {
    };
}
