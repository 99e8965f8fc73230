package org.oarspawner.spi;

import java.time.Duration;

/** What a scheduler backend reports for operators: each remote command's duration and outcome, and reconnects. */
public interface SchedulerMetrics {
    /** The scheduler commands whose durations are reported. */
    enum Command { OARSUB, OARSTAT, OARDEL, OARNODES, STAGE, ENDPOINTS, PING }

    enum Outcome { SUCCESS, FAILURE }

    void command(String cluster, Command command, Outcome outcome, Duration duration);

    void reconnected(String cluster);

    /** A job that looked like one of ours was left alone: it is someone's. */
    default void jobIgnored(String cluster, IgnoredJob why) {
    }

    SchedulerMetrics NONE = new SchedulerMetrics() {
        @Override
        public void command(String cluster, Command command, Outcome outcome, Duration duration) {
        }

        @Override
        public void reconnected(String cluster) {
        }
    };
}
