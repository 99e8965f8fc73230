package org.oarspawner.spawn;

import java.time.Instant;

/**
 * One step of a spawn, in JupyterHub's progress shape: a percentage, a message, and at the end
 * {@code ready} or {@code failed}. Ids grow by one per spawn, so a client resumes with Last-Event-ID.
 */
public record SpawnEvent(long id, Instant time, SpawnState state, int progress, String message, boolean ready,
                         boolean failed) {
}
