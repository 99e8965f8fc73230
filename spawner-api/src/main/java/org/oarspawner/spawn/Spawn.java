package org.oarspawner.spawn;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SpawnKey;

/**
 * One spawn's state. Confined to the SpawnManager's context: read it there, or through {@link #snapshot()}.
 */
public final class Spawn {
    final SpawnKey key;
    final String cluster;
    final String login;
    JobRef job;
    volatile SpawnState state = SpawnState.SUBMITTING;
    final Instant createdAt;
    boolean outcomeRecorded;
    FailureReason failure;
    /** What the submission's refusal was (OAR's admission rules, no account, unreachable...), if it was refused. */
    org.oarspawner.spi.SchedulerException.Reason refusal;
    String message = "";
    /** The progress of the last event, in percent. */
    int progress;
    List<String> nodes = List.of();
    Endpoint endpoint;
    /** Where the proxy reaches the notebook: the endpoint itself, or a tunnel through the frontend. */
    String target;
    Integer queuePosition;
    Instant scheduledStart;
    Instant submittedAt;
    Instant runningAt;
    Instant readyAt;
    /** OAR's start + walltime: when the job ends; moves when OAR applies an extension. */
    Instant walltimeEnd;
    /** The job's walltime as OAR shows it now (grows once OAR applies an extension). */
    Duration walltime;
    /** The last walltime extension asked for, if any. */
    WalltimeRequest walltimeChange;
    /** OAR warned the job (a checkpoint signal) since its walltime last changed. */
    boolean warnedByOar;
    /** The warning before the end is on (by OAR's signal or by the clock); it clears if an extension moves the end. */
    boolean endingSoon;
    /** When the spawn became final, for its retention. */
    Instant endedAt;
    /** A digest of the environment staged for the job (never the environment: it holds the hub's token). */
    String stagedEnvironment;
    OptionalInt exitStatus = OptionalInt.empty();
    String stderrTail = "";
    Instant announcedStart;
    boolean checking;
    /** Reads of the endpoint that found none yet, then knocks on the notebook that got no answer yet. */
    int readyChecks;
    int knocks;
    boolean retryScheduled;
    /** When the job was last seen begun while OAR showed it queued ({@link StartWatch}). */
    Instant beganSeen;
    /** While oarsub runs: its outcome, which a concurrent start for the same spawn waits for too. */
    io.vertx.core.Future<View> submission;
    /** A cancel must go through: the spawn was stopped, or gave up on its job. */
    boolean cancelWanted;
    /** Polls in a row at which OAR did not list the job at all. */
    int goneSeen;
    /** An oardel is out. */
    boolean cancelOut;
    /** The scheduler confirmed the cancel (or that the job had ended), or OAR showed the job ended. */
    boolean cancelConfirmed;
    /**
     * Completed once the spawn is final and its job directory cleaned: a new start for the same server (the
     * user stops, then starts again at once) waits for it, since both jobs would share that directory.
     */
    final io.vertx.core.Promise<Void> settled = io.vertx.core.Promise.promise();

    Spawn(SpawnKey key, String cluster, String login, Instant createdAt) {
        this.createdAt = createdAt;
        this.key = key;
        this.cluster = cluster;
        this.login = login;
    }

    /** A digest of an environment, to tell whether a repeated start brings a new one without keeping it. */
    static String digest(java.util.Map<String, String> environment) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            new java.util.TreeMap<>(environment).forEach((name, value) -> {
                sha.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** Whether a cancel is wanted and OAR has not confirmed it yet: the poller keeps asking about the job. */
    boolean cancelPending() {
        return cancelWanted && !cancelConfirmed;
    }

    /** An immutable copy, safe to hand to other threads and to serialize. */
    public View snapshot() {
        return new View(key, cluster, login, Optional.ofNullable(job).map(JobRef::id), state, Optional.ofNullable(failure),
                message, nodes, Optional.ofNullable(target), Optional.ofNullable(queuePosition),
                Optional.ofNullable(scheduledStart), Optional.ofNullable(submittedAt), Optional.ofNullable(runningAt),
                Optional.ofNullable(readyAt), Optional.ofNullable(walltimeEnd), exitStatus, stderrTail,
                Optional.ofNullable(walltime), Optional.ofNullable(walltimeChange), endingSoon, Optional.ofNullable(refusal));
    }

    /**
     * A walltime extension as the user follows it: pending once OAR accepted it, applied once OAR's walltime grew,
     * refused with OAR's message.
     *
     * @param walltimeBefore OAR's walltime when it was asked, to tell when OAR applied it
     */
    public record WalltimeRequest(State state, Duration add, Instant requestedAt, String message, Duration walltimeBefore) {
        public enum State { PENDING, APPLIED, REFUSED }

        WalltimeRequest with(State s, String m) {
            return new WalltimeRequest(s, add, requestedAt, m, walltimeBefore);
        }
    }

    public record View(SpawnKey key, String cluster, String login, Optional<Long> jobId, SpawnState state,
                       Optional<FailureReason> failure, String message, List<String> nodes, Optional<String> url,
                       Optional<Integer> queuePosition, Optional<Instant> scheduledStart, Optional<Instant> submittedAt,
                       Optional<Instant> runningAt, Optional<Instant> readyAt, Optional<Instant> walltimeEnd,
                       OptionalInt exitStatus, String stderrTail, Optional<Duration> walltime,
                       Optional<WalltimeRequest> walltimeChange, boolean endingSoon,
                       Optional<org.oarspawner.spi.SchedulerException.Reason> refusal) {
        /** A view of a spawn whose submission was not refused. */
        public View(SpawnKey key, String cluster, String login, Optional<Long> jobId, SpawnState state,
                    Optional<FailureReason> failure, String message, List<String> nodes, Optional<String> url,
                    Optional<Integer> queuePosition, Optional<Instant> scheduledStart, Optional<Instant> submittedAt,
                    Optional<Instant> runningAt, Optional<Instant> readyAt, Optional<Instant> walltimeEnd,
                    OptionalInt exitStatus, String stderrTail, Optional<Duration> walltime,
                    Optional<WalltimeRequest> walltimeChange, boolean endingSoon) {
            this(key, cluster, login, jobId, state, failure, message, nodes, url, queuePosition, scheduledStart, submittedAt,
                    runningAt, readyAt, walltimeEnd, exitStatus, stderrTail, walltime, walltimeChange, endingSoon, Optional.empty());
        }

        /** A view without the walltime's details (no extension asked, not ending soon). */
        public View(SpawnKey key, String cluster, String login, Optional<Long> jobId, SpawnState state,
                    Optional<FailureReason> failure, String message, List<String> nodes, Optional<String> url,
                    Optional<Integer> queuePosition, Optional<Instant> scheduledStart, Optional<Instant> submittedAt,
                    Optional<Instant> runningAt, Optional<Instant> readyAt, Optional<Instant> walltimeEnd,
                    OptionalInt exitStatus, String stderrTail) {
            this(key, cluster, login, jobId, state, failure, message, nodes, url, queuePosition, scheduledStart, submittedAt,
                    runningAt, readyAt, walltimeEnd, exitStatus, stderrTail, Optional.empty(), Optional.empty(), false,
                    Optional.empty());
        }

        public Optional<Duration> walltimeLeft(Instant now) {
            return walltimeEnd.map(end -> now.isAfter(end) ? Duration.ZERO : Duration.between(now, end));
        }
    }
}
