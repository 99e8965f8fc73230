package org.oarspawner.spi;

/** The scheduler refused or failed a command. Carries the scheduler's own message and exit code. */
public final class SchedulerException extends RuntimeException {
    public enum Reason {
        /** An admission rule refused the job; the message is the rule's text. */
        REJECTED,
        /** The cluster cannot ever hold the request. */
        NOT_ENOUGH_RESOURCES,
        /** The scheduler did not understand the request. */
        INVALID_REQUEST,
        /** The frontend could not be reached over SSH, or a command timed out. */
        UNREACHABLE,
        /** The login is one the service must never act as (root, a system account). */
        FORBIDDEN,
        /** The login has no account on the cluster. */
        NO_ACCOUNT,
        /** Anything else; see the message and exit code. */
        FAILED
    }

    private final String cluster;
    private final Reason reason;
    private final int exitCode;
    private final String schedulerMessage;

    public SchedulerException(String cluster, Reason reason, int exitCode, String schedulerMessage) {
        this(cluster, reason, exitCode, schedulerMessage, null);
    }

    public SchedulerException(String cluster, Reason reason, int exitCode, String schedulerMessage, Throwable cause) {
        super("cluster " + cluster + ": " + schedulerMessage + (exitCode >= 0 ? " (exit code " + exitCode + ")" : ""), cause);
        this.cluster = cluster;
        this.reason = reason;
        this.exitCode = exitCode;
        this.schedulerMessage = schedulerMessage;
    }

    public String cluster() { return cluster; }

    public Reason reason() { return reason; }

    /** The command's exit code, or -1 when no command completed. */
    public int exitCode() { return exitCode; }

    public String schedulerMessage() { return schedulerMessage; }
}
