package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.oar.ssh.SshTarget;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SpawnKey;

/**
 * The real single-host OAR cluster that deploy/cluster/setup.sh brings up: frontend localhost:22,
 * nodes node-cpu and node-gpu, users alice and bob (bob must name a project), service account oarspawner.
 */
public final class LocalCluster {
    public static final Path STATE = Path.of(System.getProperty("oarspawner.dev.state", "/var/lib/oarspawner-dev"));
    public static final String PROJECT = "pr-training";
    /** A notebook stand-in: a real HTTP server bound to the node's address and the port the job script picked. */
    public static final List<String> HTTP_SERVER = List.of("python3", "-m", "http.server", "{port}", "--bind", "{host}");

    private LocalCluster() {
    }

    public static SshSettings ssh() {
        return ssh(Optional.empty());
    }

    public static SshSettings ssh(Optional<SshTarget> jump) {
        return new SshSettings(STATE.resolve("known_hosts"), jump, Duration.ofSeconds(10), Duration.ofSeconds(60), 8,
                Duration.ofSeconds(8));
    }

    public static SshTarget login(String user) {
        return new SshTarget("localhost", 22, user, STATE.resolve("keys").resolve(user));
    }

    /** A cluster of the local OAR, selecting the CPU or GPU node by the 'cluster' property. */
    public static OarClusterConfig cluster(String name, Identity identity) {
        return cluster(name, identity, OarClusterConfig.Reachability.DIRECT);
    }

    public static OarClusterConfig cluster(String name, Identity identity, OarClusterConfig.Reachability reachability) {
        return cluster(name, identity, reachability, Optional.empty());
    }

    /** The local platform's endpoint spool (deploy/cluster/setup.sh). */
    public static final Path SPOOL = Path.of("/var/spool/oarspawner");

    public static OarClusterConfig cluster(String name, Identity identity, OarClusterConfig.Reachability reachability,
                                           Optional<String> endpointSpool) {
        return new OarClusterConfig(name, "localhost", 22, ssh(), identity, login("oarspawner"),
                Optional.of(STATE.resolve("keys") + "/{login}"), OarClusterConfig.OarCommands.DEFAULT,
                Optional.of("cluster='" + name + "'"), "gpumodel", Optional.empty(), "python3", reachability, endpointSpool);
    }

    public static OarScheduler scheduler(Vertx vertx, String instance, Identity identity) {
        return new OarScheduler(vertx, names(instance), List.of(cluster("cpu", identity), cluster("gpu", identity)), 16);
    }

    /** The tests' key for job-name tags: the ITs' jobs verify under it, and under no other. */
    public static final byte[] JOB_NAME_KEY = "oarspawner-tests-job-name-key-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    public static JobName names(String instance) {
        return new JobName(instance, JOB_NAME_KEY);
    }

    public static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls the job until its status matches, and returns that status. */
    public static JobStatus waitFor(OarScheduler s, JobRef job, Predicate<JobStatus> until, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus last = null;
        while (System.nanoTime() < deadline) {
            last = await(s.status(job.cluster(), List.of(job))).get(job.id());
            if (until.test(last)) {
                return last;
            }
            sleep(250);
        }
        throw new AssertionError("job " + job + " did not reach the expected state in " + timeout + "; last: " + last);
    }

    public static Endpoint waitForEndpoint(OarScheduler s, JobRef job, SpawnKey key) {
        for (int i = 0; i < 120; i++) {
            Optional<Endpoint> e = await(s.endpoint(job, key));
            if (e.isPresent()) {
                return e.get();
            }
            sleep(250);
        }
        throw new AssertionError("job " + job + " never wrote its endpoint");
    }

    /** GETs the URL until the server answers (it binds a moment after the endpoint is written). */
    public static HttpResponse<String> get(String url) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        IOException last = null;
        for (int i = 0; i < 60; i++) {
            try {
                return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no answer from " + url, last);
    }

    /** Runs a local command (the cluster is on this host) and returns its stdout. */
    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The ids of every job OAR has under this exact name, in any state (asked locally, as the service account). */
    public static List<Long> oarJobsNamed(String name) {
        String json = run("su", "-s", "/bin/sh", "oarspawner", "-c", "oarstat -J --sql \"job_name = '" + name + "'\"");
        List<Long> ids = new java.util.ArrayList<>();
        if (!json.isBlank()) {
            try {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).fieldNames()
                        .forEachRemaining(k -> ids.add(Long.parseLong(k)));
            } catch (IOException e) {
                throw new IllegalStateException("oarstat printed " + json, e);
            }
        }
        return ids;
    }

    /** A cluster config like {@link #cluster} with other SSH settings, frontend port and oarsub. */
    public static OarClusterConfig cluster(String name, Identity identity, SshSettings ssh, String host, int port, String oarsub) {
        OarClusterConfig.OarCommands d = OarClusterConfig.OarCommands.DEFAULT;
        return new OarClusterConfig(name, host, port, ssh, identity, new SshTarget(host, port, "oarspawner", STATE.resolve("keys").resolve("oarspawner")),
                Optional.of(STATE.resolve("keys") + "/{login}"), new OarClusterConfig.OarCommands(oarsub, d.oarstat(), d.oardel(), d.oarnodes(), d.stage()),
                Optional.of("cluster='" + name + "'"), "gpumodel", Optional.empty(), "python3", OarClusterConfig.Reachability.DIRECT,
                Optional.empty());
    }

    public static Path home(String login) {
        return Path.of("/home", login);
    }

    public static Path jobDir(String login, SpawnKey key) {
        return home(login).resolve(JobFiles.ROOT).resolve(JobName.directoryOf(key));
    }

    /** Cancels and waits until OAR reports the job final; tolerates oardel racing the launch. */
    public static JobStatus cancelAndWait(OarScheduler s, JobRef job) {
        await(s.cancel(job));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JobStatus st;
        do {
            st = await(s.status(job.cluster(), List.of(job))).get(job.id());
            if (st.state().isFinal()) {
                return st;
            }
            sleep(500);
            await(s.cancel(job));
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + job + " still " + st.state() + " after oardel");
    }

    /** Cancels every unfinished job of the scheduler's instance, so a failed test leaves the cluster free. */
    public static void cancelAll(OarScheduler s) {
        for (String cluster : s.clusters()) {
            for (JobStatus j : await(s.findActive(cluster))) {
                cancelAndWait(s, j.ref());
            }
        }
    }

    public static void assertNoFile(Path p) {
        assertThat(Files.exists(p)).as("%s must not exist", p).isFalse();
    }

    public static Map<String, String> env(String token) {
        return Map.of("JUPYTERHUB_API_TOKEN", token);
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
