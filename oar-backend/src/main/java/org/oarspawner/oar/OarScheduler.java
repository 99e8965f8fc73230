package org.oarspawner.oar;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.oarspawner.oar.JobFiles.StagedFile;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.SshException;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.IgnoredJob;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerMetrics;
import org.oarspawner.spi.SchedulerMetrics.Command;
import org.oarspawner.spi.SchedulerMetrics.Outcome;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;
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
            clusters.put(c.name(), new OarCluster(c, () -> metrics.reconnected(c.name())));
            workers.put(c.name(), vertx.createSharedWorkerExecutor("oar-" + c.name(), workerThreads));
            c.endpointSpool().ifPresent(dir -> spools.put(c.name(), new EndpointSpool(vertx, c.name(),
                    ids -> spooledEndpoints(c.name(), dir, ids), this::endpointFromJobDirectory)));
        }
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

    @Override
    public Future<JobRef> submit(JobRequest request) {
        SpawnKey key = request.key();
        String login = request.login();
        String dir = JobName.directoryOf(key);
        return onCluster(request.cluster(), c -> {
            String name = names.of(c.config.name(), key, login);
            String path = timed(c, Command.STAGE, () -> c.files.stage(login, dir, List.of(
                    new StagedFile(JobScript.ENV, JobScript.environment(request.environment()).getBytes(StandardCharsets.UTF_8), 0600),
                    new StagedFile(JobScript.SCRIPT, JobScript.script(request.command(), c.config.python(), c.config.endpointSpool()).getBytes(StandardCharsets.UTF_8), 0700))));
            try {
                long id = timed(c, Command.OARSUB, () -> OarOutput.jobId(c.config.name(), c.connectionFor(login).exec(
                        c.commands.asUser(login, c.commands.submit(request, name, path)))));
                LOG.info("event=job_submitted user={} server={} cluster={} job={} login={}",
                        key.user(), key.server(), c.config.name(), id, login);
                return new JobRef(c.config.name(), id, login);
            } catch (SchedulerException e) {
                LOG.warn("event=job_rejected user={} server={} cluster={} login={} exit_code={} reason={} message=\"{}\"",
                        key.user(), key.server(), c.config.name(), login, e.exitCode(), e.reason(), oneLine(e.schedulerMessage()));
                c.files.clean(login, dir);
                throw e;
            }
        });
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
                cluster, oneLine(id), oneLine(owner), oneLine(name), reason);
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

    private Future<Optional<Endpoint>> endpointFromJobDirectory(JobRef job, SpawnKey key) {
        return onCluster(job.cluster(), c -> timed(c, Command.STAGE, () -> c.files.read(job.login(), JobName.directoryOf(key), JobScript.endpointFile(job.id())))
                .flatMap(OarOutput::endpoint));
    }

    /** One command reads the spool lines of all these jobs. */
    private Future<Map<Long, OarOutput.SpooledEndpoint>> spooledEndpoints(String cluster, String spool, List<Long> ids) {
        return onCluster(cluster, c -> timed(c, Command.ENDPOINTS, () -> OarOutput.spooledEndpoints(requireSuccess(c,
                "reading the endpoint spool " + spool, c.service().exec(c.commands.spooledEndpoints(spool, ids))).stdout())));
    }

    /** A job's tunnel: the local port, and the frontend connection it lives on. */
    private record Tunnel(Endpoint endpoint, int localPort, int generation) {
    }

    private final Map<String, Tunnel> tunnels = new java.util.concurrent.ConcurrentHashMap<>();

    private static String tunnelKey(JobRef job) {
        return job.cluster() + "/" + job.id();
    }

    @Override
    public Future<String> reach(JobRef job, Endpoint endpoint) {
        return onCluster(job.cluster(), c -> {
            if (c.config.reachability() == OarClusterConfig.Reachability.DIRECT) {
                return endpoint.url();
            }
            // The service account's connection carries every tunnel of the cluster.
            var conn = c.service();
            Tunnel t = tunnels.get(tunnelKey(job));
            if (t != null && t.endpoint().equals(endpoint) && t.generation() == conn.generation() && conn.isConnected()) {
                return "http://127.0.0.1:" + t.localPort();
            }
            int port = conn.forward(endpoint.host(), endpoint.port());
            tunnels.put(tunnelKey(job), new Tunnel(endpoint, port, conn.generation()));
            LOG.info("event=tunnel_opened cluster={} job={} node={} node_port={} local_port={}", job.cluster(), job.id(),
                    endpoint.host(), endpoint.port(), port);
            return "http://127.0.0.1:" + port;
        });
    }

    @Override
    public Future<Void> release(JobRef job) {
        Tunnel t = tunnels.remove(tunnelKey(job));
        if (t == null) {
            return Future.succeededFuture();
        }
        return onCluster(job.cluster(), c -> {
            c.service().unforward(t.localPort());
            LOG.info("event=tunnel_closed cluster={} job={} local_port={}", job.cluster(), job.id(), t.localPort());
            return null;
        });
    }

    @Override
    public Future<String> stderrTail(JobRef job, SpawnKey key, int lines) {
        return onCluster(job.cluster(), c -> {
            String all = timed(c, Command.STAGE, () -> c.files.read(job.login(), JobName.directoryOf(key), JobScript.stderrFile(job.id())))
                    .orElse("");
            List<String> l = all.lines().toList();
            return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
        });
    }

    @Override
    public Future<CancelResult> cancel(JobRef job) {
        return onCluster(job.cluster(), c -> {
            CancelResult result = timed(c, Command.OARDEL, () -> OarOutput.cancel(job.cluster(),
                    c.connectionFor(job.login()).exec(c.commands.asUser(job.login(), c.commands.delete(job.id())))));
            LOG.info("event=job_cancel cluster={} job={} login={} result={}", job.cluster(), job.id(), job.login(), result);
            return result;
        });
    }

    @Override
    public Future<Void> cleanUp(JobRef job, SpawnKey key) {
        return onCluster(job.cluster(), c -> {
            return timed(c, Command.STAGE, () -> {
                c.files.clean(job.login(), JobName.directoryOf(key));
                return null;
            });
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

    private static CommandResult requireSuccess(OarCluster c, String what, CommandResult r) {
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
