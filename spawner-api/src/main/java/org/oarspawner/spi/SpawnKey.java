package org.oarspawner.spi;

/** Identifies one spawn: a hub user's server. The default server has the empty name. */
public record SpawnKey(String user, String server) {
    public SpawnKey {
        Grammar.HUB_USER.check("user", user);
        Grammar.SERVER_NAME.check("server", server);
    }

    public boolean isDefaultServer() {
        return server.isEmpty();
    }

    @Override
    public String toString() {
        return user + "/" + server;
    }
}
