package org.oarspawner.oar.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach one cluster's frontend.
 *
 * @param knownHosts     host keys are checked against this file; an unknown or changed key is refused
 * @param jumpHost       a bastion to go through, as GRICAD's access does
 * @param maxChannels    channels open at once on one connection; keep it under sshd's MaxSessions (10)
 * @param maxBackoff     the longest wait between reconnect attempts after the frontend dropped
 * @param idleTimeout    a per-user connection (PER_USER identity) unused this long is closed; the next use opens it again
 * @param connections    the service account's connections that act for users (submit, cancel: SERVICE_ACCOUNT identity);
 *                       the first is the one that polls; the others open only when its channels are all busy, so that a
 *                       class's burst of submissions goes out at once, up to connections x maxChannels
 */
public record SshSettings(Path knownHosts, Optional<SshTarget> jumpHost, Duration connectTimeout,
                          Duration commandTimeout, int maxChannels, Duration maxBackoff, Duration idleTimeout, int connections) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Three connections of 8 channels: 24 submissions at once, below sshd's default MaxStartups (10) and MaxSessions (10). */
    public static final int DEFAULT_CONNECTIONS = 3;

    public SshSettings {
        if (maxChannels < 1) {
            throw new IllegalArgumentException("maxChannels must be at least 1");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive");
        }
    }

    public SshSettings(Path knownHosts, Optional<SshTarget> jumpHost, Duration connectTimeout, Duration commandTimeout,
                       int maxChannels, Duration maxBackoff, Duration idleTimeout) {
        this(knownHosts, jumpHost, connectTimeout, commandTimeout, maxChannels, maxBackoff, idleTimeout, DEFAULT_CONNECTIONS);
    }

    public SshSettings(Path knownHosts, Optional<SshTarget> jumpHost, Duration connectTimeout, Duration commandTimeout,
                       int maxChannels, Duration maxBackoff) {
        this(knownHosts, jumpHost, connectTimeout, commandTimeout, maxChannels, maxBackoff, DEFAULT_IDLE_TIMEOUT);
    }
}
