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

    /** A file's content, or empty if it does not exist (yet). */
    Optional<String> read(String login, String dir, String name) throws SshException;

    /** Removes the job directory; nothing to remove is fine. */
    void clean(String login, String dir) throws SshException;
}
