package org.oarspawner.spi;

/** Where a job's notebook listens on its node. */
public record Endpoint(String host, int port) {
    public Endpoint {
        if (host == null || !host.matches("^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")) {
            throw new InvalidFieldException("host", "is not a host name: " + host);
        }
        if (port < 1 || port > 65535) {
            throw new InvalidFieldException("port", "must be 1-65535, got " + port);
        }
    }

    public String url() {
        return "http://" + host + ":" + port;
    }
}
