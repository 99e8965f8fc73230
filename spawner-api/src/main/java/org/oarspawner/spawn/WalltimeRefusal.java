package org.oarspawner.spawn;

/** A walltime extension that was not sent to OAR, or that OAR refused; the message says why, in OAR's words if its. */
public final class WalltimeRefusal extends RuntimeException {
    public enum Kind {
        /** No such spawn, or OAR does not know its job. */
        NOT_FOUND,
        /** The spawn's job is not running: queued, stopping, ended. */
        NOT_RUNNING,
        /** OAR refused: over its maximum increase, not the owner, a bad request. */
        REFUSED,
        /** The cluster does not allow walltime changes. */
        DISABLED
    }

    private final Kind kind;

    public WalltimeRefusal(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
