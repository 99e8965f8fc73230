package org.oarspawner.oar;

import static org.oarspawner.oar.ssh.ShellQuote.quote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.oarspawner.oar.ssh.ShellQuote;

/**
 * A submission as ONE frontend command: the job's env file and script go on the command's stdin, framed by their
 * sizes, and the command writes them in the job's directory, then runs oarsub there. With the service account it is
 * the stage helper's {@code submit} verb through sudo (deploy/cluster/oarspawner-stage), after the account check;
 * with per-user keys, a POSIX sh script (stage-submit.sh) run as the login. No secret is on either command line.
 */
final class StagedSubmit {
    /** The first word of the frame's line; the helper and the script check it. */
    static final String FRAME = "oarspawner-stage-1";
    /** The most either file may hold: the frame's sizes have 6 digits, and the helper refuses more. */
    static final int MAX_FILE = 262_144;
    private static final String SCRIPT = oneLine(load());

    private StagedSubmit() {
    }

    /** stdin: the 33-byte line "oarspawner-stage-1 EEEEEE SSSSSS", the env file, then the script; nothing else. */
    static byte[] frame(byte[] env, byte[] script) {
        if (env.length > MAX_FILE || script.length > MAX_FILE) {
            throw new IllegalArgumentException("a staged file holds at most " + MAX_FILE + " bytes; env " + env.length
                    + ", script " + script.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(40 + env.length + script.length);
        out.writeBytes(String.format("%s %06d %06d\n", FRAME, env.length, script.length).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(env);
        out.writeBytes(script);
        return out.toByteArray();
    }

    /**
     * The one command that stages this submission's files (stdin: {@link #frame}) in {@code ~/.oarspawner/jobs/<dir>}
     * and runs oarsub with these arguments ({@link OarCommand#submitArguments}) and {@code --directory} that directory.
     */
    static String command(OarClusterConfig cluster, OarCommand commands, String login, String dir, String envFile,
                          List<String> oarsubArguments) {
        String args = ShellQuote.join(oarsubArguments);
        if (cluster.identity() == Identity.SERVICE_ACCOUNT) {
            return commands.asUser(login, quote(cluster.commands().stage()) + " submit " + quote(dir) + " " + quote(envFile)
                    + " -- " + args);
        }
        return "sh -c " + quote(SCRIPT) + " oarspawner-submit " + quote(dir) + " " + quote(envFile) + " "
                + quote(cluster.commands().oarsub()) + " " + args;
    }

    /** The script without its comments, on one line: a login shell of any kind hands the quoted word to sh as is. */
    static String oneLine(String script) {
        return script.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.joining(" "));
    }

    static String script() {
        return SCRIPT;
    }

    private static String load() {
        try (InputStream in = StagedSubmit.class.getResourceAsStream("stage-submit.sh")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
