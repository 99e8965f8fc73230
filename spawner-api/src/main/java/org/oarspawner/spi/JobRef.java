package org.oarspawner.spi;

/** A job as the scheduler knows it: its cluster, its id, and the login that owns it. */
public record JobRef(String cluster, long id, String login) {
    public JobRef {
        Grammar.CLUSTER.check("cluster", cluster);
        Grammar.LOGIN.check("login", login);
        if (id <= 0) {
            throw new InvalidFieldException("id", "must be a positive job id, got " + id);
        }
    }
}
