package org.oarspawner.oar;

import java.util.List;
import java.util.Optional;
import org.oarspawner.oar.ssh.SshException;

/**
 * A job's files in its login's {@code ~/.oarspawner/jobs/<dir>}: the script, the secrets, and what the
 * job writes back (its endpoint, stdout, stderr). Directories are 0700; the secrets file 0600.
 */
public interface JobFiles {
    String ROOT = ".oarspawner/jobs";

    record StagedFile(String name, byte[] content, int mode) {
    }

    /** Writes the files and returns the job directory's absolute path. */
    String stage(String login, String dir, List<StagedFile> files) throws SshException;

    /** The most of a file that {@link #tail} reads, whatever its size: the stage helper's limit too. */
    int MAX_TAIL = 64 << 10;

    /**
     * The first {@code maxBytes} of a file, or empty if it does not exist (yet) or is not a regular file: a FIFO or
     * a link the user put there is never opened.
     */
    Optional<String> read(String login, String dir, String name, int maxBytes) throws SshException;

    /** The last {@code maxBytes} (at most {@link #MAX_TAIL}) of a file, read from its end; empty as for {@link #read}. */
    Optional<String> tail(String login, String dir, String name, int maxBytes) throws SshException;

    /** Removes the job directory; nothing to remove is fine. */
    void clean(String login, String dir) throws SshException;
}
