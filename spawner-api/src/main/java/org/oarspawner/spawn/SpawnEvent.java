package org.oarspawner.spawn;

import java.time.Instant;

/**
 * One step of a spawn, in JupyterHub's progress shape: a percentage, a message, and at the end
 * {@code ready} or {@code failed}. Ids grow by one per spawn, so a client resumes with Last-Event-ID.
 *
 * @param jobId the spawn's OAR job once known (null before oarsub answered)
 * @param url   where the proxy reaches the notebook, on the ready event (null on the others)
 */
public record SpawnEvent(long id, Instant time, SpawnState state, int progress, String message, boolean ready,
                         boolean failed, Long jobId, String url) {
    /** An event without a job id nor url. */
    public SpawnEvent(long id, Instant time, SpawnState state, int progress, String message, boolean ready, boolean failed) {
        this(id, time, state, progress, message, ready, failed, null, null);
    }
}
