package org.oarspawner.oar.ssh;

import java.io.IOException;

/** The frontend could not be reached, refused us, or a command timed out. */
public final class SshException extends IOException {
    private final boolean afterSend;

    public SshException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public SshException(String message) {
        this(message, null, false);
    }

    private SshException(String message, Throwable cause, boolean afterSend) {
        super(message, cause);
        this.afterSend = afterSend;
    }

    /** The command had been sent when the connection failed or the time ran out: it may have done its work. */
    static SshException afterSend(String message) {
        return new SshException(message, null, true);
    }

    /** Whether the command may have run (see {@link #afterSend}); false when it never reached the frontend. */
    public boolean afterSend() {
        return afterSend;
    }
}
