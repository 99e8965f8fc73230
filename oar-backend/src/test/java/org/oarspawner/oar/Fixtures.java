package org.oarspawner.oar;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.oarspawner.oar.ssh.CommandResult;

/** Outputs captured from the local OAR 2.5.9 cluster by deploy/cluster/capture-fixtures.sh. */
final class Fixtures {
    private Fixtures() {
    }

    static CommandResult result(String name) {
        return new CommandResult(read(name + ".stdout"), read(name + ".stderr"), Integer.parseInt(read(name + ".rc").strip()));
    }

    /** The id of the job that a captured oarsub made, so that tests hold after a recapture. */
    static long jobId(String oarsub) {
        return OarOutput.jobId("cpu", result(oarsub));
    }

    static String read(String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/oar/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
