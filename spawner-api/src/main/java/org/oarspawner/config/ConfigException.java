package org.oarspawner.config;

/** A configuration value is missing or wrong; the message names the key, e.g. clusters.cpu.frontend.port. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
