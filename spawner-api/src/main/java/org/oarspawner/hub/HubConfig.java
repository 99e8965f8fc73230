package org.oarspawner.hub;

import java.time.Duration;
import java.util.Optional;
import org.oarspawner.config.ConfigNode;

/**
 * The {@code hub} section: JupyterHub's REST API, which the service asks which servers the hub knows, so that it
 * cancels the jobs of servers the hub has abandoned ({@link OrphanReaper}). Without the section, nothing is
 * reconciled.
 *
 * @param apiUrl        the hub's API, e.g. http://127.0.0.1:8081/hub/api
 * @param token         a service token whose role has only the scopes list:users and read:servers
 * @param orphanGrace   how long the reachable hub must have said, at every check, that it does not know a server
 *                      before its job is cancelled; a spawn younger than this is never cancelled
 * @param checkInterval how often the hub is asked
 * @param orphanChecks  the fewest consecutive checks that must all have said so
 */
public record HubConfig(String apiUrl, String token, Duration orphanGrace, Duration checkInterval, int orphanChecks) {

    public static Optional<HubConfig> from(ConfigNode root) {
        return root.optionalChild("hub").map(HubConfig::parse);
    }

    private static HubConfig parse(ConfigNode h) {
        String api = h.string("apiUrl");
        if (!api.matches("^https?://[^\\s/]+(/\\S*)?$")) {
            throw h.error("apiUrl", "must be the hub's API URL like http://127.0.0.1:8081/hub/api, got '" + api + "'");
        }
        String token = h.fileText("apiTokenFile").strip();
        if (token.isEmpty()) {
            throw h.error("apiTokenFile", "is empty: it must hold the token of a hub service with the scopes list:users and read:servers");
        }
        Duration grace = h.duration("orphanGrace", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
        Duration interval = h.duration("checkInterval", Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofHours(1));
        if (interval.compareTo(grace) > 0) {
            throw h.error("checkInterval", "must not be longer than hub.orphanGrace (" + grace.toSeconds() + " s), got "
                    + interval.toMillis() + " ms");
        }
        return new HubConfig(api.replaceAll("/+$", ""), token, grace, interval, h.integer("orphanChecks", 3, 2, 1000));
    }

    @Override
    public String toString() {
        return "HubConfig[apiUrl=" + apiUrl + ", orphanGrace=" + orphanGrace + ", checkInterval=" + checkInterval
                + ", orphanChecks=" + orphanChecks + "]";
    }
}
