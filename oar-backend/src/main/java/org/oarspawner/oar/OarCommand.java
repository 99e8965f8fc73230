package org.oarspawner.oar;

import static org.oarspawner.oar.ssh.ShellQuote.quote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.oarspawner.spi.JobRequest;

/**
 * Builds the command lines sent to a frontend. Every value has passed its grammar (JobRequest) and is
 * quoted again here, once for the SSH login shell and, for oarsub's command, once more for the node's shell.
 */
public final class OarCommand {
    private final OarClusterConfig cluster;

    public OarCommand(OarClusterConfig cluster) {
        this.cluster = cluster;
    }

    /**
     * The command as the login runs it: directly, or through sudo from the service account, after the account
     * check in the same command ({@link Accounts#guard}): sudo never runs for a system login or an unknown one.
     */
    public String asUser(String login, String command) {
        return cluster.identity() == Identity.SERVICE_ACCOUNT
                ? Accounts.guard(login) + "sudo -n -u " + quote(login) + " -- " + command
                : command;
    }

    /**
     * oarsub's arguments (unquoted; {@link StagedSubmit} quotes them), long options, which OAR3 keeps too, for a job
     * whose script reads this submission's own environment file ({@link JobScript#newEnvFile}). The command that stages
     * the files adds {@code --directory} (the job's directory, which only the frontend knows), so the paths here are
     * relative to it. No secret is here: OAR shows it to everyone; the env file's name is, so that a submission whose
     * answer was lost can be found in OAR ({@link #submission}). The stage helper accepts exactly these options.
     */
    public List<String> submitArguments(JobRequest r, String jobName, String envFile) {
        List<String> words = new ArrayList<>();
        words.add("--name");
        words.add(jobName);
        words.add("--resource");
        words.add(resource(r));
        String property = property(r);
        if (!property.isEmpty()) {
            words.add("--property");
            words.add(property);
        }
        r.project().or(cluster::defaultProject).ifPresent(p -> {
            words.add("--project");
            words.add(p);
        });
        for (String type : r.types()) {
            words.add("--type");
            words.add(type);
        }
        if (cluster.checkpoint().toSeconds() > 0 && r.walltime().compareTo(cluster.checkpoint()) > 0) {
            // OAR sends SIGUSR2 to the job script this long before the walltime; the script keeps it from the notebook.
            // A job shorter than the lead is not signalled (OAR would from its first second on, every pass): the
            // service marks it ending soon by the clock alone.
            words.add("--checkpoint");
            words.add(Long.toString(cluster.checkpoint().toSeconds()));
        }
        words.add("--stdout");
        words.add("oar.%jobid%.stdout");
        words.add("--stderr");
        words.add("oar.%jobid%.stderr");
        // OAR runs its command with the node's shell, in the job's directory: quoted for that shell too.
        words.add("/bin/bash " + quote(JobScript.SCRIPT) + " " + quote(envFile));
        return words;
    }

    /** One oarstat for all the given jobs: -fJ, since -J alone gives 2.5.9's short view. */
    public String status(Collection<Long> ids) {
        StringBuilder sb = new StringBuilder(quote(cluster.commands().oarstat())).append(" -fJ");
        for (long id : ids) {
            sb.append(" -j ").append(id);
        }
        return sb.toString();
    }

    /** The cluster's resources (its configured properties), with the jobs that hold them: for the free counts. */
    public String nodes() {
        return quote(cluster.commands().oarnodes()) + " -J"
                + cluster.properties().map(p -> " --sql " + quote("(" + p + ")")).orElse("");
    }

    /** This instance's unfinished jobs, found by name. */
    public String activeByName(JobName names) {
        String where = "job_name like '" + names.likePattern() + "' and state not in ('Terminated','Error')";
        return quote(cluster.commands().oarstat()) + " -fJ --sql " + quote(where);
    }

    /** The most of a spool file that is read: an endpoint line is far shorter. */
    static final int SPOOL_LINE_BYTES = 512;
    /** The longest the whole spool read may take on the frontend. */
    static final int SPOOL_SECONDS = 20;

    /**
     * Reads the endpoint lines that the given jobs wrote to the spool, with each file's owner: one line
     * "id owner f host port" per regular file, "id owner x" for anything else under that name (a symbolic link,
     * a FIFO, a directory). A file is opened without following links and without blocking, and at most
     * {@link #SPOOL_LINE_BYTES} of it is read, so that nothing a user plants there stalls or floods the read.
     */
    public String spooledEndpoints(String spool, Collection<Long> ids) {
        StringBuilder sb = new StringBuilder("cd -- ").append(quote(spool)).append(" && for id in");
        for (long id : ids) {
            sb.append(' ').append(id);
        }
        String loop = sb.append("; do f=endpoint.$id; if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then ")
                .append("printf '%s %s f %s\\n' \"$id\" \"$(stat -c %U -- \"$f\")\" \"$(dd if=\"$f\" iflag=nonblock,nofollow bs=")
                .append(SPOOL_LINE_BYTES).append(" count=1 2>/dev/null | head -n 1 | tr -cd 'A-Za-z0-9 .-')\"; ")
                .append("elif [ -e \"$f\" ] || [ -L \"$f\" ]; then printf '%s %s x\\n' \"$id\" \"$(stat -c %U -- \"$f\")\"; fi; done")
                .toString();
        return "timeout " + SPOOL_SECONDS + " sh -c " + quote(loop);
    }

    /**
     * The job of one submission, found by its name and its environment file's name (on oarsub's command line),
     * in any state: for an oarsub whose answer the connection lost.
     */
    public String submission(String jobName, String envFile) {
        // The name is the service's own (grammar-checked parts, a tag); compared with '=', so only a quote or a
        // backslash could break out of the SQL string.
        if (!jobName.matches("[^'\\\\\\x00-\\x1f]+") || !envFile.matches("env\\.[A-Za-z0-9]+")) {
            throw new IllegalArgumentException("cannot look up job " + jobName + " by " + envFile);
        }
        String where = "job_name = '" + jobName + "' and command like '%" + envFile + "%'";
        return quote(cluster.commands().oarstat()) + " -fJ --sql " + quote(where);
    }

    /** A walltime extension: {@code oarwalltime <id> +h:mm:ss}; run it as the job's login ({@link #asUser}). */
    public String extendWalltime(long id, Duration add) {
        if (add.toSeconds() <= 0) {
            throw new IllegalArgumentException("a walltime extension must be positive, got " + add);
        }
        return quote(cluster.commands().oarwalltime()) + " " + id + " " + quote("+" + walltime(add));
    }

    public String delete(long id) {
        return quote(cluster.commands().oardel()) + " " + id;
    }

    static String resource(JobRequest r) {
        String units = r.gpus() > 0 ? "/gpu=" + r.gpus() : "/core=" + r.cores();
        return "/nodes=" + r.nodes() + units + ",walltime=" + walltime(r.walltime());
    }

    static String walltime(Duration d) {
        return org.oarspawner.spi.Grammar.walltimeText(d);
    }

    String property(JobRequest r) {
        List<String> terms = new ArrayList<>();
        cluster.properties().ifPresent(p -> terms.add("(" + p + ")"));
        r.gpuModel().ifPresent(m -> terms.add(cluster.gpuModelProperty() + "='" + m + "'"));
        r.properties().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> terms.add(e.getKey() + "='" + e.getValue() + "'"));
        return String.join(" AND ", terms);
    }
}
