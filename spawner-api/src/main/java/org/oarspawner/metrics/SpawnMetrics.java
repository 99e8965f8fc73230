package org.oarspawner.metrics;

import java.time.Duration;
import org.oarspawner.spi.IgnoredJob;

/** What the spawn lifecycle reports for operators. */
public interface SpawnMetrics {
    /** How a spawn ended, as the {@code status} label says it. */
    enum Status { SUCCESS, REJECTED, ENDED_BEFORE_READY, WALLTIME, CANCELLED, START_TIMEOUT, UNREACHABLE, ENDPOINT_REFUSED }

    /** From the PUT to ready or to failure. */
    void spawnFinished(String cluster, Status status, Duration duration);

    /** From submission to OAR's Running. */
    void queueWait(String cluster, Duration duration);

    /** From OAR's Running to the notebook answering. */
    void runningToReady(String cluster, Duration duration);

    /** One poll of a cluster: one status command for all its tracked jobs. */
    void polled(String cluster);

    /** A job of this instance that recovery did not take for a spawn: someone's, never cancelled. */
    default void jobIgnored(String cluster, IgnoredJob why) {
    }

    SpawnMetrics NONE = new SpawnMetrics() {
        @Override
        public void polled(String cluster) {
        }

        @Override
        public void spawnFinished(String cluster, Status status, Duration duration) {
        }

        @Override
        public void queueWait(String cluster, Duration duration) {
        }

        @Override
        public void runningToReady(String cluster, Duration duration) {
        }
    };
}
