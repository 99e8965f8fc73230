package org.oarspawner.oar;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.oarspawner.oar.ssh.ShellQuote;

/** Renders a notebook job's two files: the script OAR runs, and the 0600 file of secrets it reads. */
public final class JobScript {
    public static final String SCRIPT = "job.sh";
    public static final String ENV = "env";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * A new environment file's name for one submission, {@code env.<random>}: a retry and a job whose oarsub answer
     * was lost never share one. The job script is told its name, and deletes it once read.
     */
    public static String newEnvFile() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return ENV + "." + java.util.HexFormat.of().formatHex(b);
    }
    private static final String TEMPLATE = load();

    private JobScript() {
    }

    /**
     * The job script; the command's words are quoted, so they reach the notebook literally. With a spool
     * directory, the script also writes its endpoint there (see {@link OarClusterConfig#endpointSpool()}).
     */
    public static String script(List<String> command, String python, Optional<String> endpointSpool) {
        return TEMPLATE.replace("@PYTHON@", ShellQuote.quote(python))
                .replace("@SPOOL@", ShellQuote.quote(endpointSpool.orElse("")))
                .replace("@COMMAND@", ShellQuote.join(command));
    }

    /** The environment as a file that bash sources: one quoted assignment a line. */
    public static String environment(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(env).forEach((name, value) -> sb.append(name).append('=').append(ShellQuote.quote(value)).append('\n'));
        return sb.toString();
    }

    public static String endpointFile(long jobId) {
        return "endpoint." + jobId;
    }

    public static String stdoutFile(long jobId) {
        return "oar." + jobId + ".stdout";
    }

    public static String stderrFile(long jobId) {
        return "oar." + jobId + ".stderr";
    }

    private static String load() {
        try (InputStream in = JobScript.class.getResourceAsStream("job.sh")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
