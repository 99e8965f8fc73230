package org.oarspawner.oar.ssh;

import java.io.IOException;

/** The frontend could not be reached, refused us, or a command timed out. */
public final class SshException extends IOException {
    public SshException(String message, Throwable cause) {
        super(message, cause);
    }

    public SshException(String message) {
        super(message);
    }
}
