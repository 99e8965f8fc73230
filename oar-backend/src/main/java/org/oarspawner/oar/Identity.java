package org.oarspawner.oar;

/** Whose SSH login submits a user's jobs. */
public enum Identity {
    /** SSH as the user, with that user's key. */
    PER_USER,
    /** SSH as a service account that runs OAR's commands through {@code sudo -u <user>} (batchspawner's exec_prefix). */
    SERVICE_ACCOUNT
}
