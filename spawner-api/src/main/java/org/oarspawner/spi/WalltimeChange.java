package org.oarspawner.spi;

/**
 * The scheduler's answer to a walltime extension request, with its own message (e.g. OAR's "Forbidden: request cannot
 * be updated because the walltime cannot increase by more than 2:0:0."). An answer is not a failure: the future of
 * {@link Scheduler#extendWalltime} fails only when no answer came (unreachable, unexpected exit code).
 */
public record WalltimeChange(Outcome outcome, String message) {
    public enum Outcome {
        /** Accepted: the scheduler applies it at its next pass, if it delays no other job. */
        ACCEPTED,
        /** A null change, or a reduction the cluster disallows. */
        BAD_REQUEST,
        /** Not the owner, not running, over the cluster's maximum increase. */
        FORBIDDEN,
        /** The scheduler does not know the job. */
        UNKNOWN_JOB,
        /** The cluster does not allow walltime changes. */
        DISABLED
    }
}
