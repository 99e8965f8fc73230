package org.oarspawner.spi;

import java.time.Duration;

/** What a scheduler backend reports for operators: each remote command's duration and outcome, and reconnects. */
public interface SchedulerMetrics {
    /** The scheduler commands whose durations are reported. */
    enum Command { OARSUB, OARSTAT, OARDEL, STAGE, ENDPOINTS, PING }

    enum Outcome { SUCCESS, FAILURE }

    void command(String cluster, Command command, Outcome outcome, Duration duration);

    void reconnected(String cluster);

    SchedulerMetrics NONE = new SchedulerMetrics() {
        @Override
        public void command(String cluster, Command command, Outcome outcome, Duration duration) {
        }

        @Override
        public void reconnected(String cluster) {
        }
    };
}
