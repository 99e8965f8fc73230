package org.oarspawner.oar;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.oarspawner.oar.OarOutput.SpooledEndpoint;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster's endpoint reads from its spool (see {@link OarClusterConfig#endpointSpool()}), batched: every
 * read asked for while one is out, or within {@link #GAP} of the last, goes into the next one. So the frontend
 * sees one command per {@link #GAP} at most, whatever the number of starting jobs, and whatever the number of queued
 * jobs asked about with {@link #begun}, which share those reads.
 */
final class EndpointSpool {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointSpool.class);
    /** The least time between two reads of the spool. */
    static final Duration GAP = Duration.ofMillis(250);

    /** Reads the spool's lines of these jobs: one remote command. */
    interface Reader {
        Future<Map<Long, SpooledEndpoint>> read(List<Long> jobIds);
    }

    /** Reads one job's endpoint from its own directory, which only its user can write. */
    interface JobDirectory {
        Future<Optional<Endpoint>> read(JobRef job, SpawnKey key);
    }

    private record Pending(JobRef job, SpawnKey key, Promise<Optional<Endpoint>> promise, Context context) {
    }

    private record Peek(List<JobRef> jobs, Promise<Set<Long>> promise, Context context) {
    }

    private final Vertx vertx;
    private final String cluster;
    private final Reader reader;
    private final JobDirectory jobDirectory;
    private final List<Pending> waiting = new ArrayList<>();
    private final List<Peek> peeks = new ArrayList<>();
    private boolean running;
    private long lastRun = System.nanoTime() - GAP.toNanos();

    EndpointSpool(Vertx vertx, String cluster, Reader reader, JobDirectory jobDirectory) {
        this.vertx = vertx;
        this.cluster = cluster;
        this.reader = reader;
        this.jobDirectory = jobDirectory;
    }

    /** Where the job's notebook listens, once its script has written it; completes on the caller's context. */
    Future<Optional<Endpoint>> read(JobRef job, SpawnKey key) {
        Promise<Optional<Endpoint>> p = Promise.promise();
        synchronized (this) {
            waiting.add(new Pending(job, key, p, vertx.getOrCreateContext()));
            if (!running) {
                running = true;
                schedule();
            }
        }
        return p.future();
    }

    /**
     * Which of these jobs have a line in the spool that the job's own login owns, whatever it holds: a hint that the
     * job began, never an endpoint (a line someone else planted does not count). Nothing else is read for them;
     * completes on the caller's context.
     */
    Future<Set<Long>> begun(List<JobRef> jobs) {
        Promise<Set<Long>> p = Promise.promise();
        synchronized (this) {
            peeks.add(new Peek(jobs, p, vertx.getOrCreateContext()));
            if (!running) {
                running = true;
                schedule();
            }
        }
        return p.future();
    }

    private void schedule() {
        long wait = Math.max(1, (lastRun + GAP.toNanos() - System.nanoTime()) / 1_000_000);
        vertx.setTimer(wait, t -> run());
    }

    private void run() {
        List<Pending> batch;
        List<Peek> asked;
        synchronized (this) {
            batch = List.copyOf(waiting);
            asked = List.copyOf(peeks);
            waiting.clear();
            peeks.clear();
            lastRun = System.nanoTime();
        }
        List<Long> ids = Stream.concat(batch.stream().map(p -> p.job().id()), asked.stream().flatMap(p -> p.jobs().stream().map(JobRef::id)))
                .distinct().toList();
        reader.read(ids).onComplete(r -> {
            for (Pending p : batch) {
                p.context().runOnContext(v -> answer(p, r.failed() ? null : r.result().get(p.job().id()), r.cause()));
            }
            for (Peek p : asked) {
                p.context().runOnContext(v -> {
                    if (r.failed()) {
                        p.promise().fail(r.cause());
                    } else {
                        p.promise().complete(p.jobs().stream().filter(j -> r.result().containsKey(j.id())
                                && r.result().get(j.id()).owner().equals(j.login())).map(JobRef::id).collect(Collectors.toSet()));
                    }
                });
            }
            synchronized (this) {
                if (waiting.isEmpty() && peeks.isEmpty()) {
                    running = false;
                } else {
                    schedule();
                }
            }
        });
    }

    private void answer(Pending p, SpooledEndpoint found, Throwable failure) {
        if (failure != null) {
            p.promise().fail(failure);
        } else if (found != null && found.begun() && found.owner().equals(p.job().login())) {
            // Its script runs; its notebook does not listen yet.
            p.promise().complete(Optional.empty());
        } else if (found != null && (!found.owner().equals(p.job().login()) || found.endpoint().isEmpty())) {
            // Someone else's file under this job's name, or no regular file (a FIFO, a link): never route to it, never
            // open it; the job's own directory still tells.
            LOG.warn("event=endpoint_spool_untrusted cluster={} job={} login={} owner={} regular={}",
                    cluster, p.job().id(), p.job().login(), found.owner(), found.endpoint().isPresent() || found.begun());
            jobDirectory.read(p.job(), p.key()).onComplete(p.promise());
        } else {
            p.promise().complete(Optional.ofNullable(found).flatMap(SpooledEndpoint::endpoint));
        }
    }
}
