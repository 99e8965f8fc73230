package org.oarspawner.spawn;

/** A spawn's lifecycle, as the hub and the user see it. */
public enum SpawnState {
    /** oarsub is under way. */
    SUBMITTING,
    /** The job waits (or is held) in OAR's queue. */
    QUEUED,
    /** The job runs; the notebook does not answer yet. */
    STARTING,
    /** The notebook answers at its URL. */
    READY,
    /** A cancel was sent; the job is ending. */
    STOPPING,
    STOPPED,
    FAILED;

    public boolean isFinal() {
        return this == STOPPED || this == FAILED;
    }
}
