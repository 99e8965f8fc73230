package org.oarspawner.oar;

import java.time.Duration;
import java.util.Optional;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.SshException;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the connection was lost or timed out once oarsub was sent, oarsub may have made the job or not: OAR tells,
 * by the job's name and the submission's own env file on its command line. Asked a few times, since an oarsub cut
 * off may still be finishing and the connection may take a moment to come back; only when OAR says "no such job"
 * each time is the submission reported failed.
 */
final class SubmitRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(SubmitRecovery.class);
    /** The waits before each look, for oarsub to finish and the connection to come back. */
    static final Duration[] WAITS = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)};

    private SubmitRecovery() {
    }

    static long find(OarCluster c, String jobName, String login, String envFile, SshException lost) throws SshException {
        String cluster = c.config.name();
        LOG.warn("event=oarsub_answer_lost cluster={} login={} name={} error=\"{}\"", cluster, login, jobName, lost.getMessage());
        SshException unreachable = null;
        for (Duration wait : WAITS) {
            sleep(wait);
            try {
                CommandResult r = OarScheduler.requireSuccess(c, "oarstat", c.service().exec(c.commands.submission(jobName, envFile)));
                Optional<Long> id = OarOutput.submission(cluster, r.stdout(), jobName, login, envFile);
                if (id.isPresent()) {
                    LOG.info("event=oarsub_recovered cluster={} login={} name={} job={}", cluster, login, jobName, id.get());
                    return id.get();
                }
                unreachable = null;
            } catch (SshException e) {
                unreachable = e;
            }
        }
        if (unreachable != null) {
            // OAR could not be asked: the job may exist; it carries its name, so a later start or a restart finds it.
            throw new SshException(lost.getMessage() + "; OAR could not be asked whether the job was made: "
                    + unreachable.getMessage(), lost);
        }
        LOG.warn("event=oarsub_not_made cluster={} login={} name={}", cluster, login, jobName);
        throw new SchedulerException(cluster, Reason.UNREACHABLE, -1, "the connection to the frontend failed during oarsub ("
                + lost.getMessage() + ") and OAR has no such job: nothing was submitted; start again");
    }

    private static void sleep(Duration d) throws SshException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException("interrupted", e);
        }
    }
}
