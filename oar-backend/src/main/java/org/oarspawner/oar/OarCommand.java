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

    /** The command as the login runs it: directly, or through sudo from the service account. */
    public String asUser(String login, String command) {
        return cluster.identity() == Identity.SERVICE_ACCOUNT
                ? "sudo -n -u " + quote(login) + " -- " + command
                : command;
    }

    /** oarsub with long options, which OAR3 keeps too. No secret is on this line: OAR shows it to everyone. */
    public String submit(JobRequest r, String jobName, String directory) {
        List<String> words = new ArrayList<>();
        words.add(quote(cluster.commands().oarsub()));
        words.add("--name");
        words.add(quote(jobName));
        words.add("--resource");
        words.add(quote(resource(r)));
        String property = property(r);
        if (!property.isEmpty()) {
            words.add("--property");
            words.add(quote(property));
        }
        r.project().or(cluster::defaultProject).ifPresent(p -> {
            words.add("--project");
            words.add(quote(p));
        });
        for (String type : r.types()) {
            words.add("--type");
            words.add(quote(type));
        }
        words.add("--directory");
        words.add(quote(directory));
        words.add("--stdout");
        words.add(quote(directory + "/oar.%jobid%.stdout"));
        words.add("--stderr");
        words.add(quote(directory + "/oar.%jobid%.stderr"));
        // OAR runs its command with the node's shell: quote the script path for that shell too.
        words.add(quote("/bin/bash " + quote(directory + "/" + JobScript.SCRIPT)));
        return String.join(" ", words);
    }

    /** One oarstat for all the given jobs: -fJ, since -J alone gives 2.5.9's short view. */
    public String status(Collection<Long> ids) {
        StringBuilder sb = new StringBuilder(quote(cluster.commands().oarstat())).append(" -fJ");
        for (long id : ids) {
            sb.append(" -j ").append(id);
        }
        return sb.toString();
    }

    /** This instance's unfinished jobs, found by name. */
    public String activeByName(JobName names) {
        String where = "job_name like '" + names.likePattern() + "' and state not in ('Terminated','Error')";
        return quote(cluster.commands().oarstat()) + " -fJ --sql " + quote(where);
    }

    /**
     * Reads the endpoint lines that the given jobs wrote to the spool, with each file's owner: one line
     * "id owner host port" per file found. Symbolic links are skipped.
     */
    public String spooledEndpoints(String spool, Collection<Long> ids) {
        StringBuilder sb = new StringBuilder("cd -- ").append(quote(spool)).append(" && for id in");
        for (long id : ids) {
            sb.append(' ').append(id);
        }
        return sb.append("; do f=endpoint.$id; if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then ")
                .append("printf '%s %s %s\\n' \"$id\" \"$(stat -c %U -- \"$f\")\" \"$(head -n 1 -- \"$f\")\"; fi; done").toString();
    }

    public String delete(long id) {
        return quote(cluster.commands().oardel()) + " " + id;
    }

    static String resource(JobRequest r) {
        String units = r.gpus() > 0 ? "/gpu=" + r.gpus() : "/core=" + r.cores();
        return "/nodes=" + r.nodes() + units + ",walltime=" + walltime(r.walltime());
    }

    static String walltime(Duration d) {
        long s = d.toSeconds();
        return String.format("%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
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
