package org.oarspawner.oar;

import java.util.Optional;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.SpawnKey;

/**
 * The OAR job name that ties a job to its spawn, so that OAR stays the source of truth:
 * {@code oarspawner:<instance>:<hub user>:<server>}. ':' appears in none of the parts' grammars.
 * The instance lets several hubs share a cluster.
 */
public final class JobName {
    static final String PREFIX = "oarspawner:";

    private final String instance;

    public JobName(String instance) {
        this.instance = Grammar.CLUSTER.check("instance", instance);
    }

    public String instance() {
        return instance;
    }

    public String of(SpawnKey key) {
        return PREFIX + instance + ":" + key.user() + ":" + key.server();
    }

    /** The SQL LIKE pattern matching every job name of this instance (no LIKE wildcard is in the grammar). */
    public String likePattern() {
        return PREFIX + instance + ":%";
    }

    public Optional<SpawnKey> parse(String name) {
        String head = PREFIX + instance + ":";
        if (name == null || !name.startsWith(head)) {
            return Optional.empty();
        }
        String rest = name.substring(head.length());
        int colon = rest.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String user = rest.substring(0, colon);
        String server = rest.substring(colon + 1);
        if (!Grammar.HUB_USER.matches(user) || !Grammar.SERVER_NAME.matches(server)) {
            return Optional.empty();
        }
        return Optional.of(new SpawnKey(user, server));
    }

    /**
     * The job's directory under the login's ~/.oarspawner/jobs: {@code <hub user>.<server>}, with
     * {@code _default} for the default server (no server name starts with '_'). Several hub users may
     * share one login, as a training class may.
     */
    public static String directoryOf(SpawnKey key) {
        return key.user() + "." + (key.isDefaultServer() ? "_default" : key.server());
    }
}
