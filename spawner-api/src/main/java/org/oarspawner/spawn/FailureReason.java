package org.oarspawner.spawn;

/** Why a spawn failed. */
public enum FailureReason {
    /** OAR refused the job; the message is OAR's (an admission rule's text, say). */
    REJECTED,
    /** The job ended before its notebook answered; see the exit status and stderr tail. */
    ENDED_BEFORE_READY,
    /** The job ran out of walltime. */
    WALLTIME,
    /** The job was deleted (by the user, an operator, or oardel from outside). */
    CANCELLED,
    /** The notebook did not answer within the start timeout. */
    START_TIMEOUT,
    /** The cluster could not be reached. */
    UNREACHABLE,
    /** The job said its notebook listens somewhere the proxy must not go: not one of its nodes, or a system port. */
    ENDPOINT_REFUSED
}
