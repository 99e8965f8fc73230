package org.oarspawner.spi;

/** What a cancel did. None of these is an error: cancelling twice is fine. */
public enum CancelResult {
    /** The scheduler accepted the deletion; the job ends shortly. */
    CANCELLED,
    /** The job had already ended. */
    ALREADY_ENDED,
    /** The scheduler does not know the job for this login. */
    NOT_FOUND
}
