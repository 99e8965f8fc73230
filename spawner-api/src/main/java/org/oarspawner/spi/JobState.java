package org.oarspawner.spi;

/** A job's phase, independent of the scheduler's own state names. */
public enum JobState {
    WAITING, HELD, LAUNCHING, RUNNING, SUSPENDED, FINISHING, TERMINATED, ERROR,
    /** The scheduler no longer knows the job (purged, or never existed). */
    GONE;

    public boolean isFinal() {
        return this == TERMINATED || this == ERROR || this == GONE;
    }
}
