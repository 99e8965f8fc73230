package org.oarspawner.oar.ssh;

/** What a remote command printed and its exit code (-1 when it ended without one, e.g. by a signal). */
public record CommandResult(String stdout, String stderr, int exitCode) {
}
