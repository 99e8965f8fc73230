package org.oarspawner.oar;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.SpawnKey;

/**
 * The OAR job name that ties a job to its spawn, so that OAR stays the source of truth:
 * {@code oarspawner:<instance>:<cluster>:<hub user>:<server>:<tag>}. ':' appears in none of the parts' grammars.
 * The instance lets several hubs share a cluster; the cluster tells apart the configured clusters that share
 * one OAR server (one frontend, partitions by property), which all see the same jobs.
 * <p>
 * Any user may name a job anything, and every user sees every job's name: the tag is an HMAC, under a key only
 * the service holds, of the other parts and of the login that must own the job. A name a user wrote, or copied
 * from someone else's job into one of theirs, does not verify, and the job is never taken for a spawn.
 */
public final class JobName {
    static final String PREFIX = "oarspawner:";
    /** OAR 2.5's jobs.job_name is varchar(100). */
    static final int MAX_LENGTH = 100;
    /** 72 bits, in base64url: no ':' and nothing a shell or SQL LIKE treats specially once quoted. */
    private static final int TAG_BYTES = 9;
    static final int MIN_KEY_BYTES = 32;

    /** What a job name found in OAR is to this instance on this cluster. */
    public enum Verdict {
        /** One of ours, with a tag that verifies for the job's owner. */
        OURS,
        /** Not ours: another prefix, instance or cluster. */
        NOT_OURS,
        /** Our prefix, instance and cluster, but no tag or one that does not verify for the job's owner. */
        FORGED,
        /** Our prefix and instance, but not the shape of our names. */
        MALFORMED
    }

    /** The verdict on a name, and the spawn it names when it is ours. */
    public record Parsed(Verdict verdict, Optional<SpawnKey> key) {
        static Parsed of(Verdict v) {
            return new Parsed(v, Optional.empty());
        }
    }

    private final String instance;
    private final SecretKeySpec key;

    /** @param key the service's secret for tags, at least 32 bytes */
    public JobName(String instance, byte[] key) {
        this.instance = Grammar.CLUSTER.check("instance", instance);
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the job name key must have at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    public String instance() {
        return instance;
    }

    /** The name of the job that the login submits for the spawn; a 400 naming the user when OAR could not store it. */
    public String of(String cluster, SpawnKey spawn, String login) {
        String body = PREFIX + instance + ":" + cluster + ":" + spawn.user() + ":" + spawn.server();
        String name = body + ":" + tag(body, login);
        if (name.length() > MAX_LENGTH) {
            throw new InvalidFieldException("user", "with this server name makes an OAR job name of " + name.length()
                    + " characters; OAR stores at most " + MAX_LENGTH + ": use a shorter server name");
        }
        return name;
    }

    /** The SQL LIKE pattern matching every job name of this instance (no LIKE wildcard is in the grammar). */
    public String likePattern() {
        return PREFIX + instance + ":%";
    }

    /** What a job found on this cluster, owned by {@code owner} in OAR, is to this instance. */
    public Parsed parse(String cluster, String name, String owner) {
        String head = PREFIX + instance + ":";
        if (name == null || !name.startsWith(head)) {
            return Parsed.of(Verdict.NOT_OURS);
        }
        String[] parts = name.substring(head.length()).split(":", -1);
        if (parts.length >= 3 && !parts[0].equals(cluster) && Grammar.CLUSTER.matches(parts[0])) {
            return Parsed.of(Verdict.NOT_OURS);
        }
        if (parts.length != 4 || !Grammar.HUB_USER.matches(parts[1]) || !Grammar.SERVER_NAME.matches(parts[2])) {
            // Names from before tags (oarspawner:<instance>[:<cluster>]:<user>:<server>) land here or in FORGED: anyone
            // could have written them.
            return Parsed.of(parts.length == 3 || parts.length == 2 ? Verdict.FORGED : Verdict.MALFORMED);
        }
        String body = name.substring(0, name.lastIndexOf(':'));
        byte[] want = tag(body, owner).getBytes(StandardCharsets.US_ASCII);
        if (owner == null || !MessageDigest.isEqual(want, parts[3].getBytes(StandardCharsets.US_ASCII))) {
            return Parsed.of(Verdict.FORGED);
        }
        return new Parsed(Verdict.OURS, Optional.of(new SpawnKey(parts[1], parts[2])));
    }

    private String tag(String body, String login) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] d = mac.doFinal((body + "\n" + login).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(d, TAG_BYTES));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
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
