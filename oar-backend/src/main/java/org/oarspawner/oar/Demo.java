package org.oarspawner.oar;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.oar.ssh.SshTarget;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SpawnKey;

/**
 * Submits demo notebook jobs to the local cluster (deploy/cluster/setup.sh) and prints how long each step took.
 * Usage: Demo [runs] [state dir]. A job's "notebook" is python3's http.server on the node.
 */
public final class Demo {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Path state = Path.of(args.length > 1 ? args[1] : "/var/lib/oarspawner-dev");
        SshSettings ssh = new SshSettings(state.resolve("known_hosts"), Optional.empty(), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 8, Duration.ofSeconds(30));
        SshTarget service = new SshTarget("localhost", 22, "oarspawner", state.resolve("keys/oarspawner"));
        OarClusterConfig cpu = new OarClusterConfig("cpu", "localhost", 22, ssh, Identity.PER_USER, service,
                Optional.of(state.resolve("keys") + "/{login}"), OarClusterConfig.OarCommands.DEFAULT,
                Optional.of("cluster='cpu'"), "gpumodel", Optional.empty(), "python3");
        Vertx vertx = Vertx.vertx();
        List<Long> toRunning = new ArrayList<>();
        List<Long> toHttp = new ArrayList<>();
        try (OarScheduler s = new OarScheduler(vertx, "demo", List.of(cpu), 4)) {
            for (int i = 0; i < runs; i++) {
                SpawnKey key = new SpawnKey("alice", "demo");
                long t0 = System.nanoTime();
                JobRef job = await(s.submit(JobRequest.builder(key, "cpu", "alice").walltime(Duration.ofMinutes(10))
                        .command("python3", "-m", "http.server", "{port}", "--bind", "{host}").build()));
                JobStatus st;
                do {
                    st = await(s.status("cpu", List.of(job))).get(job.id());
                    if (st.state().isFinal()) {
                        throw new IllegalStateException("job " + job.id() + " ended: " + st.schedulerState());
                    }
                    Thread.sleep(100);
                } while (st.state() != JobState.RUNNING);
                long running = System.nanoTime();
                Endpoint e = null;
                while (e == null) {
                    e = await(s.endpoint(job, key)).orElse(null);
                    Thread.sleep(100);
                }
                int status = get(e.url() + "/");
                long http = System.nanoTime();
                toRunning.add(TimeUnit.NANOSECONDS.toMillis(running - t0));
                toHttp.add(TimeUnit.NANOSECONDS.toMillis(http - t0));
                System.out.printf("job %d on %s: Running after %d ms, %s answered HTTP %d after %d ms%n", job.id(),
                        st.nodes(), toRunning.get(i), e.url(), status, toHttp.get(i));
                if (runs > 1 || i < runs - 1) {
                    await(s.cancel(job));
                    do {
                        Thread.sleep(200);
                        st = await(s.status("cpu", List.of(job))).get(job.id());
                    } while (!st.state().isFinal());
                    await(s.cleanUp(job, key));
                } else {
                    System.out.printf("the demo notebook stays up at %s until its walltime; stop it with: oardel %d (as alice)%n",
                            e.url(), job.id());
                }
            }
            System.out.printf("submit->Running median %d ms, submit->HTTP median %d ms over %d runs; frontend commands %d%n",
                    median(toRunning), median(toHttp), runs, s.commandsSent("cpu"));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    private static int get(String url) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (java.io.IOException e) {
                if (i > 100) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
