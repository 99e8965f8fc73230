package org.oarspawner.oar.ssh;

import java.nio.file.Path;

/** An SSH login: host, port, user and the private key that authenticates it. */
public record SshTarget(String host, int port, String user, Path key) {
    /** The name under which known_hosts lists this host, as OpenSSH writes it. */
    public String knownHostsName() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port;
    }
}
