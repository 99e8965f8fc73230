package org.oarspawner.oar;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.SpawnKey;

/**
 * The OAR job name that ties a job to its spawn, so that OAR stays the source of truth:
 * {@code oarspawner:<instance>:<cluster>:<hub user>:<server>}. ':' appears in none of the parts' grammars.
 * The instance lets several hubs share a cluster; the cluster tells apart the configured clusters that share
 * one OAR server (one frontend, partitions by property), which all see the same jobs.
 * Names without the cluster ({@code oarspawner:<instance>:<hub user>:<server>}, before 0.2) still parse, as
 * belonging to whichever cluster finds them, so that an upgrade orphans no job.
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

    public String of(String cluster, SpawnKey key) {
        return PREFIX + instance + ":" + cluster + ":" + key.user() + ":" + key.server();
    }

    /** The SQL LIKE pattern matching every job name of this instance (no LIKE wildcard is in the grammar). */
    public String likePattern() {
        return PREFIX + instance + ":%";
    }

    /** The spawn a job found on this cluster belongs to; empty for another instance's, another cluster's or a foreign job. */
    public Optional<SpawnKey> parse(String cluster, String name) {
        String head = PREFIX + instance + ":";
        if (name == null || !name.startsWith(head)) {
            return Optional.empty();
        }
        String[] parts = name.substring(head.length()).split(":", -1);
        if (parts.length == 3 && !parts[0].equals(cluster)) {
            return Optional.empty();
        }
        if (parts.length != 2 && parts.length != 3) {
            return Optional.empty();
        }
        String user = parts[parts.length - 2];
        String server = parts[parts.length - 1];
        if (!Grammar.HUB_USER.matches(user) || !Grammar.SERVER_NAME.matches(server)) {
            return Optional.empty();
        }
        return Optional.of(new SpawnKey(user, server));
    }

    /**
     * The job's directory under the login's ~/.oarspawner/jobs: {@code <hub user>.<server>}, with
     * {@code _default} for the default server (no server name starts with '_'). Several hub users may
     * share one login, as a training class may. oarsub refuses output paths outside [a-zA-Z0-9_./-], so a
     * user name with other characters ('@', '+') has them replaced and a hash of the name appended.
     */
    public static String directoryOf(SpawnKey key) {
        String user = key.user();
        String safe = user.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (!safe.equals(user)) {
            safe = safe + "-" + hash(user);
        }
        return safe + "." + (key.isDefaultServer() ? "_default" : key.server());
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
