package org.oarspawner.spawn;

import java.util.List;
import java.util.Optional;
import org.oarspawner.spi.Endpoint;

/**
 * Where the proxy may send a spawn's traffic. The job writes where its notebook listens, in files its user owns and
 * may rewrite at any time; OAR alone says which nodes the job holds. So the host must be one of those nodes, and the
 * port one that a user's process can listen on: never the hub, a database or a metadata service that the proxy or
 * the frontend happens to reach.
 */
final class EndpointRule {
    /** Ports below this are the system's own services; a user's job cannot listen there. */
    static final int FIRST_USER_PORT = 1024;

    private EndpointRule() {
    }

    /** Why this endpoint is refused for a job on these nodes; empty when the proxy may use it. */
    static Optional<String> refusal(Endpoint endpoint, List<String> nodes) {
        if (!nodes.contains(endpoint.host())) {
            return Optional.of("the job says its notebook listens on " + endpoint.host() + ", which is not one of the nodes"
                    + " OAR gave it (" + String.join(", ", nodes) + ")");
        }
        if (endpoint.port() < FIRST_USER_PORT) {
            return Optional.of("the job says its notebook listens on port " + endpoint.port() + " of " + endpoint.host()
                    + ", a system port that no notebook can have");
        }
        return Optional.empty();
    }
}
