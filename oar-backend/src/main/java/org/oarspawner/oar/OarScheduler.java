package org.oarspawner.oar;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.oarspawner.oar.JobFiles.StagedFile;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.oar.ssh.SshException;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.IgnoredJob;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerMetrics;
import org.oarspawner.spi.SchedulerMetrics.Command;
import org.oarspawner.spi.SchedulerMetrics.Outcome;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;
import org.oarspawner.spi.WalltimeChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Drives OAR 2.5 over SSH. Blocking SSH work runs on a bounded worker pool per cluster, never on the event loop. */
public final class OarScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OarScheduler.class);

    private final JobName names;
    private final SchedulerMetrics metrics;
    private final Map<String, OarCluster> clusters = new LinkedHashMap<>();
    private final Map<String, WorkerExecutor> workers = new LinkedHashMap<>();
    private final Map<String, EndpointSpool> spools = new LinkedHashMap<>();
    private final List<Long> idleTimers = new ArrayList<>();
    private final Tunnels tunnels = new Tunnels();
    private final Vertx vertx;

    /**
     * @param names names this service's jobs in OAR (see {@link JobName}); two hubs sharing a cluster use two instances
     * @param workerThreads blocking SSH calls that may run at once per cluster
     */
    public OarScheduler(Vertx vertx, JobName names, List<OarClusterConfig> configs, int workerThreads) {
        this(vertx, names, configs, workerThreads, SchedulerMetrics.NONE);
    }

    public OarScheduler(Vertx vertx, JobName names, List<OarClusterConfig> configs, int workerThreads, SchedulerMetrics metrics) {
        this.names = names;
        this.metrics = metrics;
        for (OarClusterConfig c : configs) {
            clusters.put(c.name(), new OarCluster(c, () -> metrics.reconnected(c.name()), up -> metrics.frontendReached(c.name(), up)));
            metrics.tunnelsOpen(c.name(), () -> tunnels.open(c.name()));
            // Enough threads for every channel of the connections that act for users, and the polls beside them.
            int threads = Math.max(workerThreads, (c.ssh().connections() + 1) * c.ssh().maxChannels());
            workers.put(c.name(), vertx.createSharedWorkerExecutor("oar-" + c.name(), threads));
            c.endpointSpool().ifPresent(dir -> spools.put(c.name(), new EndpointSpool(vertx, c.name(),
                    ids -> spooledEndpoints(c.name(), dir, ids), this::endpointFromJobDirectory)));
            if (c.identity() == Identity.PER_USER) {
                long every = Math.max(1000, c.ssh().idleTimeout().toMillis() / 4);
                idleTimers.add(vertx.setPeriodic(every, t -> onCluster(c.name(), oc -> oc.closeIdle())));
            }
        }
        this.vertx = vertx;
    }

    public JobName names() {
        return names;
    }

    @Override
    public List<String> clusters() {
        return List.copyOf(clusters.keySet());
    }

    /** Commands and SFTP sessions sent to a cluster's frontend since start. */
    public long commandsSent(String cluster) {
        return cluster(cluster).commandsSent();
    }

    /** SSH connections to a cluster made again after one was lost. */
    public long reconnects(String cluster) {
        return cluster(cluster).reconnects();
    }

    /** Drops every SSH connection to a cluster, as a frontend restart would. */
    public void disconnect(String cluster) {
        cluster(cluster).close();
    }

    /** Open per-user SSH connections of a cluster (PER_USER identity); idle ones are closed. */
    public long userConnectionsOpen(String cluster) {
        return cluster(cluster).userConnectionsOpen();
    }

    /** The service account's connections to a cluster's frontend open now: more than one only after a burst. */
    public long serviceConnectionsOpen(String cluster) {
        return cluster(cluster).serviceConnectionsOpen();
    }

    /** Local ports forwarded now over a cluster's service connection (ssh-tunnel reachability). */
    public int forwardings(String cluster) {
        return cluster(cluster).service().forwardings();
    }

    /**
     * Stages the job's files, this submission's own env file among them, and runs oarsub, in ONE frontend command
     * ({@link StagedSubmit}): the files go on its stdin. If the connection is lost or times out once it was sent, OAR is
     * asked for the job by its name and env file before anything is reported: the job it made is returned, never left
     * behind, and never made twice.
     */
    @Override
    public Future<JobRef> submit(JobRequest request) {
        SpawnKey key = request.key();
        String login = request.login();
        String dir = JobName.directoryOf(key);
        return onCluster(request.cluster(), c -> {
            if (c.config.identity() == Identity.PER_USER) {
                // Before any connection as the login; with the service account, the check is part of the command.
                c.accounts.require(login, c.service());
            }
            String envFile = JobScript.newEnvFile();
            String name = names.of(c.config.name(), key, login);
            byte[] files = StagedSubmit.frame(JobScript.environment(request.environment()).getBytes(StandardCharsets.UTF_8),
                    JobScript.script(request.command(), c.config.python(), c.config.endpointSpool()).getBytes(StandardCharsets.UTF_8));
            String command = StagedSubmit.command(c.config, c.commands, login, dir, envFile, c.commands.submitArguments(request, name, envFile));
            try {
                long id = timed(c, Command.OARSUB, () -> {
                    CommandResult r;
                    try {
                        r = c.connectionFor(login).exec(command, files);
                    } catch (SshException lost) {
                        if (!lost.afterSend()) {
                            throw lost;
                        }
                        return SubmitRecovery.find(c, name, login, envFile, lost);
                    }
                    return OarOutput.jobId(c.config.name(), c.accounts.checked(login, r));
                });
                LOG.info("event=job_submitted user={} server={} cluster={} job={} login={}",
                        key.user(), key.server(), c.config.name(), id, login);
                return new JobRef(c.config.name(), id, login);
            } catch (SchedulerException e) {
                LOG.warn("event=job_rejected user={} server={} cluster={} login={} exit_code={} reason={} message=\"{}\"",
                        key.user(), key.server(), c.config.name(), login, e.exitCode(), e.reason(), oneLine(e.schedulerMessage()));
                if (e.reason() != Reason.NO_ACCOUNT && e.reason() != Reason.FORBIDDEN) {
                    // Nothing was staged for a login the account check stopped: no command to remove it.
                    cleanAfterRefusal(c, login, dir, key);
                }
                throw e;
            }
        });
    }

    /** Removes what a refused submission staged; if that fails too, the refusal is still what the caller hears. */
    private static void cleanAfterRefusal(OarCluster c, String login, String dir, SpawnKey key) {
        try {
            c.files.clean(login, dir);
        } catch (SshException | SchedulerException e) {
            LOG.warn("event=job_files_left user={} server={} cluster={} login={} error=\"{}\"", key.user(), key.server(),
                    c.config.name(), login, oneLine(String.valueOf(e.getMessage())));
        }
    }

    /** Writes the env file again, and only it, in the job's directory: the job sources it as it starts. */
    @Override
    public Future<Void> restage(JobRef job, JobRequest request) {
        return onCluster(job.cluster(), c -> timed(c, Command.STAGE, () -> {
            // The job reads only the env file named on its own command line, which OAR keeps.
            CommandResult r = requireSuccess(c, "oarstat", c.service().exec(c.commands.status(List.of(job.id()))));
            String envFile = OarOutput.envFileOf(r.stdout(), job.id()).orElseThrow(() -> new SchedulerException(job.cluster(),
                    Reason.FAILED, -1, "job " + job.id() + " names no environment file on its command line; stop and start it again"));
            c.files.stage(job.login(), JobName.directoryOf(request.key()), List.of(
                    new StagedFile(envFile, JobScript.environment(request.environment()).getBytes(StandardCharsets.UTF_8), 0600)));
            LOG.info("event=job_restaged user={} server={} cluster={} job={} login={}", request.key().user(), request.key().server(),
                    job.cluster(), job.id(), job.login());
            return null;
        }));
    }

    @Override
    public Future<Map<Long, JobStatus>> status(String cluster, Collection<JobRef> jobs) {
        if (jobs.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        List<Long> ids = jobs.stream().map(JobRef::id).distinct().sorted().collect(Collectors.toList());
        return onCluster(cluster, c -> {
            CommandResult r = timed(c, Command.OARSTAT, () -> requireSuccess(c, "oarstat", c.service().exec(c.commands.status(ids))));
            OarOutput.Jobs seen = OarOutput.read(cluster, r.stdout(), names);
            Map<Long, JobStatus> result = new LinkedHashMap<>();
            for (JobRef job : jobs) {
                OarOutput.Entry e = seen.entries().get(job.id());
                if (e != null) {
                    result.put(job.id(), e.status());
                } else if (seen.unreadable().stream().noneMatch(u -> u.id().equals(Long.toString(job.id())))) {
                    // Only a job that OAR did not print at all is gone; one it printed oddly is looked at again next tick.
                    result.put(job.id(), JobStatus.gone(job));
                }
            }
            return result;
        });
    }

    @Override
    public Future<List<JobStatus>> findActive(String cluster) {
        return onCluster(cluster, c -> {
            CommandResult r = timed(c, Command.OARSTAT, () -> requireSuccess(c, "oarstat", c.service().exec(c.commands.activeByName(names))));
            OarOutput.Jobs found = OarOutput.read(cluster, r.stdout(), names);
            List<JobStatus> ours = new ArrayList<>();
            for (OarOutput.Entry e : found.entries().values()) {
                switch (e.verdict()) {
                    case OURS -> ours.add(e.status());
                    case NOT_OURS -> { }
                    case FORGED, MALFORMED -> ignored(cluster, e.verdict() == JobName.Verdict.FORGED ? IgnoredJob.FORGED_NAME
                            : IgnoredJob.MALFORMED, Long.toString(e.status().ref().id()), e.status().ref().login(), e.name(),
                            e.verdict() == JobName.Verdict.FORGED ? "its name's tag does not verify for its owner" : "its name is not of our form");
                }
            }
            found.unreadable().forEach(u -> ignored(cluster, IgnoredJob.MALFORMED, u.id(), u.owner(), u.name(), u.why()));
            return ours;
        });
    }

    /** A job named like ours that is not: someone's, so it is logged and counted, never cancelled. */
    private void ignored(String cluster, IgnoredJob why, String id, String owner, String name, String reason) {
        metrics.jobIgnored(cluster, why);
        LOG.warn("event=job_ignored reason={} cluster={} job={} owner={} name=\"{}\" why=\"{}\"", why.name().toLowerCase(),
                cluster, oneLine(id), oneLine(owner), oneLine(name), oneLine(reason));
    }

    /**
     * With an endpoint spool, the reads of all the cluster's starting jobs are one command at a time, whatever
     * their number ({@link EndpointSpool}); without, one read from each job's directory.
     */
    @Override
    public Future<Optional<Endpoint>> endpoint(JobRef job, SpawnKey key) {
        EndpointSpool spool = spools.get(job.cluster());
        return spool == null ? endpointFromJobDirectory(job, key) : spool.read(job, key);
    }

    /** With an endpoint spool, the queued jobs that wrote a line there, in the spool's batched reads; else none. */
    @Override
    public Future<Set<Long>> begun(String cluster, Collection<JobRef> jobs) {
        EndpointSpool spool = spools.get(cluster);
        return spool == null || jobs.isEmpty() ? Future.succeededFuture(Set.of())
                : spool.begun(jobs.stream().distinct().toList());
    }

    private Future<Optional<Endpoint>> endpointFromJobDirectory(JobRef job, SpawnKey key) {
        return onCluster(job.cluster(), c -> timed(c, Command.STAGE, () -> c.files.read(job.login(), JobName.directoryOf(key),
                JobScript.endpointFile(job.id()), OarCommand.SPOOL_LINE_BYTES)).flatMap(l -> l.lines().findFirst()).flatMap(OarOutput::endpoint));
    }

    /** One command reads the spool lines of all these jobs. */
    private Future<Map<Long, OarOutput.SpooledEndpoint>> spooledEndpoints(String cluster, String spool, List<Long> ids) {
        return onCluster(cluster, c -> timed(c, Command.ENDPOINTS, () -> OarOutput.spooledEndpoints(requireSuccess(c,
                "reading the endpoint spool " + spool, c.service().exec(c.commands.spooledEndpoints(spool, ids))).stdout(), ids)));
    }

    @Override
    public Future<String> reach(JobRef job, Endpoint endpoint) {
        return onCluster(job.cluster(), c -> c.config.reachability() == OarClusterConfig.Reachability.DIRECT
                ? endpoint.url() : tunnels.open(c.service(), job, endpoint));
    }

    /** Closes the job's tunnel, and any that a reach() still under way would open. {@link #cleanUp} calls it too. */
    @Override
    public Future<Void> release(JobRef job) {
        return onCluster(job.cluster(), c -> {
            tunnels.close(c.service(), job);
            return null;
        });
    }

    /** The last lines of at most the last {@link JobFiles#MAX_TAIL} bytes of the file, whatever its size. */
    @Override
    public Future<String> stderrTail(JobRef job, SpawnKey key, int lines) {
        return onCluster(job.cluster(), c -> {
            String tail = timed(c, Command.STAGE, () -> c.files.tail(job.login(), JobName.directoryOf(key),
                    JobScript.stderrFile(job.id()), JobFiles.MAX_TAIL)).orElse("");
            List<String> l = tail.replaceAll("[\\x00-\\x08\\x0b-\\x1f\\x7f]", "").lines().toList();
            return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
        });
    }

    @Override
    public Future<CancelResult> cancel(JobRef job) {
        return onCluster(job.cluster(), c -> {
            CancelResult result = timed(c, Command.OARDEL, () -> OarOutput.cancel(job.cluster(), c.accounts.checked(job.login(),
                    c.connectionFor(job.login()).exec(c.commands.asUser(job.login(), c.commands.delete(job.id()))))));
            LOG.info("event=job_cancel cluster={} job={} login={} result={}", job.cluster(), job.id(), job.login(), result);
            return result;
        });
    }

    /** Removes the job's files and closes its tunnel: every way a spawn ends calls it. */
    @Override
    public Future<Void> cleanUp(JobRef job, SpawnKey key) {
        return onCluster(job.cluster(), c -> {
            tunnels.close(c.service(), job);
            return timed(c, Command.STAGE, () -> {
                c.files.clean(job.login(), JobName.directoryOf(key));
                return null;
            });
        });
    }

    /** oarwalltime as the job's login, after the same account check as oarsub; OAR's answer, by its exit code. */
    @Override
    public Future<WalltimeChange> extendWalltime(JobRef job, Duration add) {
        return onCluster(job.cluster(), c -> {
            WalltimeChange change = timed(c, Command.OARWALLTIME, () -> OarOutput.walltimeChange(job.cluster(), c.accounts.checked(
                    job.login(), c.connectionFor(job.login()).exec(c.commands.asUser(job.login(), c.commands.extendWalltime(job.id(), add))))));
            LOG.info("event=walltime_change cluster={} job={} login={} add={} outcome={} message=\"{}\"", job.cluster(), job.id(),
                    job.login(), OarCommand.walltime(add), change.outcome(), oneLine(change.message()));
            return change;
        });
    }

    @Override
    public Duration checkpointLead(String cluster) {
        return cluster(cluster).config.checkpoint();
    }

    @Override
    public Future<FreeResources> freeResources(String cluster) {
        return onCluster(cluster, c -> {
            CommandResult r = timed(c, Command.OARNODES, () -> requireSuccess(c, "oarnodes", c.service().exec(c.commands.nodes())));
            return OarNodes.free(cluster, r, c.config.gpuModelProperty(), Instant.now());
        });
    }

    @Override
    public Future<Void> ping(String cluster) {
        return onCluster(cluster, c -> {
            timed(c, Command.PING, () -> requireSuccess(c, "true", c.service().exec("true")));
            return null;
        });
    }

    @Override
    public void close() {
        idleTimers.forEach(vertx::cancelTimer);
        clusters.values().forEach(OarCluster::close);
        workers.values().forEach(WorkerExecutor::close);
    }

    private interface ClusterWork<T> {
        T run(OarCluster c) throws Exception;
    }

    /** Runs blocking SSH work for a cluster on its worker pool; an SSH failure becomes UNREACHABLE. */
    private <T> Future<T> onCluster(String name, ClusterWork<T> work) {
        OarCluster c;
        try {
            c = cluster(name);
        } catch (SchedulerException e) {
            return Future.failedFuture(e);
        }
        return workers.get(name).executeBlocking(() -> {
            try {
                return work.run(c);
            } catch (SshException e) {
                throw new SchedulerException(name, Reason.UNREACHABLE, -1, e.getMessage(), e);
            }
        }, false);
    }

    private OarCluster cluster(String name) {
        OarCluster c = clusters.get(name);
        if (c == null) {
            throw new SchedulerException(String.valueOf(name), Reason.INVALID_REQUEST, -1,
                    "no such cluster; configured clusters are " + clusters.keySet());
        }
        return c;
    }

    static CommandResult requireSuccess(OarCluster c, String what, CommandResult r) {
        if (r.truncated()) {
            throw new SchedulerException(c.config.name(), Reason.FAILED, r.exitCode(), what + " printed more than "
                    + SshConnection.MAX_STDOUT + " bytes; the output was cut");
        }
        if (r.exitCode() != 0) {
            throw new SchedulerException(c.config.name(), Reason.FAILED, r.exitCode(),
                    what + " failed: " + oneLine(r.stderr().isBlank() ? r.stdout() : r.stderr()));
        }
        return r;
    }

    private interface Remote<T> {
        T run() throws Exception;
    }

    /** Runs a remote step and reports its duration and outcome. */
    private <T> T timed(OarCluster c, Command command, Remote<T> step) throws Exception {
        long t0 = System.nanoTime();
        Outcome outcome = Outcome.FAILURE;
        try {
            T result = step.run();
            outcome = Outcome.SUCCESS;
            return result;
        } finally {
            metrics.command(c.config.name(), command, outcome, Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    private static String oneLine(String s) {
        // Names and owners come from users: no line breaks or quotes into the log line.
        return s.strip().replaceAll("\\p{Cntrl}", " ").replace('"', '\'');
    }
}
