package org.oarspawner.spi;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * What a scheduler backend reports for operators: each remote command's duration and outcome, reconnects, whether the
 * frontend was reached, and the tunnels open.
 */
public interface SchedulerMetrics {
    /** The scheduler commands whose durations are reported. */
    enum Command { OARSUB, OARSTAT, OARDEL, OARNODES, OARWALLTIME, STAGE, ENDPOINTS, PING }

    enum Outcome { SUCCESS, FAILURE }

    void command(String cluster, Command command, Outcome outcome, Duration duration);

    void reconnected(String cluster);

    /** A job that looked like one of ours was left alone: it is someone's. */
    default void jobIgnored(String cluster, IgnoredJob why) {
    }

    /**
     * Whether the last command sent to the cluster's frontend reached it: connected and ran, whatever its exit status
     * (true), or could not (connection refused, authentication, timeout: false).
     */
    default void frontendReached(String cluster, boolean reached) {
    }

    /** How to count the cluster's open SSH tunnels (ssh-tunnel reachability); read at each scrape. */
    default void tunnelsOpen(String cluster, IntSupplier open) {
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
