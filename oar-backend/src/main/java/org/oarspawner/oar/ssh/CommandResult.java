package org.oarspawner.oar.ssh;

/**
 * What a remote command printed and its exit code (-1 when it ended without one, e.g. by a signal). Output
 * beyond {@link SshConnection#MAX_STDOUT} or {@link SshConnection#MAX_STDERR} bytes was discarded while it
 * streamed in: then {@code truncated} is true.
 */
public record CommandResult(String stdout, String stderr, int exitCode, boolean truncated) {
    public CommandResult(String stdout, String stderr, int exitCode) {
        this(stdout, stderr, exitCode, false);
    }
}
