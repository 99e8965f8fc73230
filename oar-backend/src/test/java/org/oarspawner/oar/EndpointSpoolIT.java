package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/** Endpoints read from the local platform's spool (/var/spool/oarspawner), through the service account. */
@ExtendWith(VertxExtension.class)
class EndpointSpoolIT {
    private Vertx vertx;
    private OarScheduler s;
    private final List<Path> planted = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        s = new OarScheduler(vertx, LocalCluster.names("spool"), List.of(LocalCluster.cluster("cpu", Identity.SERVICE_ACCOUNT,
                OarClusterConfig.Reachability.DIRECT, Optional.of(LocalCluster.SPOOL.toString()))), 16);
    }

    @AfterEach
    void tearDown() throws Exception {
        LocalCluster.cancelAll(s);
        s.close();
        for (Path p : planted) {
            Files.deleteIfExists(p);
        }
    }

    private static JobRequest request(String server, int cores, List<String> command) {
        return JobRequest.builder(new SpawnKey("bob", server), "cpu", "bob").project(LocalCluster.PROJECT).cores(cores)
                .walltime(Duration.ofMinutes(10)).command(command).build();
    }

    @Test
    void threeStartingJobsAreReadInOneCommand() {
        List<JobRef> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(await(s.submit(request("s" + i, 1, LocalCluster.HTTP_SERVER))));
        }
        for (JobRef j : jobs) {
            waitFor(s, j, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
            for (int i = 0; i < 200 && !spooledEndpoint(j); i++) {
                LocalCluster.sleep(100);
            }
        }
        long before = s.commandsSent("cpu");
        // Asked as the SpawnManager asks them: in one turn of one context.
        CompletableFuture<List<Future<Optional<Endpoint>>>> asked = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> asked.complete(
                jobs.stream().map(j -> s.endpoint(j, new SpawnKey("bob", "s" + jobs.indexOf(j)))).toList()));
        List<Optional<Endpoint>> found = asked.join().stream().map(LocalCluster::await).toList();
        assertThat(s.commandsSent("cpu") - before).as("commands sent for three endpoints").isEqualTo(1);
        assertThat(found).allSatisfy(e -> assertThat(e).get().extracting(Endpoint::host).isEqualTo("node-cpu"));
        // Jobs started together on one node each take their own port, 40000 + job id mod 20000 (job.sh), never one
        // another's, as two bind(0) may give.
        for (int i = 0; i < jobs.size(); i++) {
            assertThat(found.get(i).orElseThrow().port()).as("job %d's port", jobs.get(i).id()).isEqualTo(40000 + (int) (jobs.get(i).id() % 20000));
        }
        for (Optional<Endpoint> e : found) {
            assertThat(LocalCluster.get(e.orElseThrow().url() + "/").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aQueuedJobIsSeenBegunOnceItsScriptRunsInTheSameCommandAsTheEndpointReads() {
        JobRef fill = await(s.submit(request("fill", 4, List.of("sleep", "600"))));
        waitFor(s, fill, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        JobRef queued = await(s.submit(request("queued", 1, LocalCluster.HTTP_SERVER)));
        // Waiting behind the full node: no line in the spool, not begun; the job that fills the node has begun.
        assertThat(waitFor(s, queued, st -> true, Duration.ofSeconds(10)).state()).isEqualTo(JobState.WAITING);
        assertThat(await(s.begun("cpu", List.of(queued, fill)))).containsExactly(fill.id());

        LocalCluster.cancelAndWait(s, fill);
        // Until its notebook listens: the endpoint has replaced the "begun" line.
        for (int i = 0; i < 600 && !spooledEndpoint(queued); i++) {
            LocalCluster.sleep(100);
        }
        long before = s.commandsSent("cpu");
        // Asked in one turn of one context, with an endpoint read: one command for both.
        CompletableFuture<List<Future<?>>> asked = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> asked.complete(List.of(
                s.begun("cpu", List.of(queued)), s.endpoint(queued, new SpawnKey("bob", "queued")))));
        List<?> answers = asked.join().stream().map(LocalCluster::await).toList();
        assertThat(s.commandsSent("cpu") - before).as("commands sent for a begun check and an endpoint read").isEqualTo(1);
        assertThat(answers.get(0)).isEqualTo(java.util.Set.of(queued.id()));
        assertThat(answers.get(1)).isEqualTo(Optional.of(LocalCluster.waitForEndpoint(s, queued, new SpawnKey("bob", "queued"))));
        // OAR, not the line, says the job runs.
        assertThat(waitFor(s, queued, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(30)).nodes()).containsExactly("node-cpu");
    }

    @Test
    void aJobIsSeenBegunWhileItsNotebookStartsAndItsEndpointReplacesTheLine() {
        SpawnKey key = new SpawnKey("bob", "slow");
        // A notebook that listens 5 s after the job starts, as jupyterhub-singleuser takes ~2 s on a warm node.
        JobRef slow = await(s.submit(request("slow", 1, List.of("sh", "-c", "sleep 5; exec python3 -m http.server \"$0\" --bind \"$1\"",
                "{port}", "{host}"))));
        java.util.Set<Long> begun = java.util.Set.of();
        for (int i = 0; i < 300 && begun.isEmpty(); i++) {
            begun = await(s.begun("cpu", List.of(slow)));
            LocalCluster.sleep(100);
        }
        assertThat(begun).as("seen begun before the notebook listens").containsExactly(slow.id());
        long before = s.commandsSent("cpu");
        // The line says nothing of where the notebook is, and it is bob's: not yet, from the spool read alone.
        assertThat(await(s.endpoint(slow, key))).isEmpty();
        assertThat(s.commandsSent("cpu") - before).as("commands sent for the endpoint read").isEqualTo(1);
        Endpoint endpoint = LocalCluster.waitForEndpoint(s, slow, key);
        assertThat(endpoint.host()).isEqualTo("node-cpu");
        assertThat(Files.exists(LocalCluster.SPOOL.resolve(JobScript.endpointFile(slow.id())))).isTrue();
    }

    @Test
    void aPortAnotherUserTakesBeforeTheNotebookBindsItIsNeverPublished() throws Exception {
        SpawnKey key = new SpawnKey("bob", "squatted");
        // bob's notebook binds its port 4 s after the job starts; alice takes that port meanwhile (it is in files
        // others can read: 40000 + job id mod 20000 when free).
        JobRef job = await(s.submit(request("squatted", 1, List.of("sh", "-c",
                "sleep 4; exec python3 -m http.server \"$0\" --bind \"$1\"", "{port}", "{host}"))));
        java.util.Set<Long> begun = java.util.Set.of();
        for (int i = 0; i < 300 && begun.isEmpty(); i++) {
            begun = await(s.begun("cpu", List.of(job)));
            LocalCluster.sleep(100);
        }
        assertThat(begun).containsExactly(job.id());
        LocalCluster.sleep(1000); // the script has picked its port
        int port = 40000 + (int) (job.id() % 20000);
        Process squatter = new ProcessBuilder("su", "-s", "/bin/sh", "alice", "-c", "exec python3 -c 'import socket, time\n"
                + "s = socket.socket(); s.bind((\"node-cpu\", " + port + ")); s.listen(); time.sleep(60)'").start();
        try {
            Path stderr = LocalCluster.jobDir("bob", key).resolve("oar." + job.id() + ".stderr");
            String said = "";
            boolean published = false;
            for (int i = 0; i < 300 && !said.contains("held by another user's process"); i++) {
                LocalCluster.sleep(100);
                said = Files.exists(stderr) ? Files.readString(stderr) : "";
                published |= spooledEndpoint(job);
            }
            assertThat(squatter.isAlive()).as("alice's listener on port %d", port).isTrue();
            assertThat(said).contains("port " + port + " on node-cpu is held by another user's process");
            assertThat(await(s.endpoint(job, key))).as("the endpoint while alice listens").isEmpty();
            // bob's notebook cannot bind: the job ends, and alice's listener was never published as bob's.
            for (int i = 0; i < 300 && !waitFor(s, job, st -> true, Duration.ofSeconds(5)).state().isFinal(); i++) {
                published |= spooledEndpoint(job);
                LocalCluster.sleep(100);
            }
            assertThat(waitFor(s, job, st -> true, Duration.ofSeconds(5)).state().isFinal()).isTrue();
            assertThat(published).as("an endpoint line in the spool at any time").isFalse();
        } finally {
            squatter.destroy();
        }
    }

    private static boolean spooledEndpoint(JobRef job) {
        try {
            return OarOutput.endpoint(Files.readString(LocalCluster.SPOOL.resolve(JobScript.endpointFile(job.id())))).isPresent();
        } catch (java.io.IOException notYet) {
            return false;
        }
    }

    @Test
    void aSpoolFileSomeoneElseOwnsIsNotTrusted() throws Exception {
        // The node is full, so bob's job waits: alice plants a file under its name in the spool first.
        JobRef fill = await(s.submit(request("fill", 4, List.of("sleep", "600"))));
        waitFor(s, fill, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        JobRequest r = request("target", 1, LocalCluster.HTTP_SERVER);
        JobRef job = await(s.submit(r));
        Path file = LocalCluster.SPOOL.resolve(JobScript.endpointFile(job.id()));
        planted.add(file);
        LocalCluster.run("su", "-s", "/bin/sh", "alice", "-c", "printf 'evil.example.org 4444\\n' > " + file);
        assertThat(LocalCluster.run("stat", "-c", "%U", file.toString()).strip()).isEqualTo("alice");

        LocalCluster.cancelAndWait(s, fill);
        waitFor(s, job, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        // The job's script cannot replace alice's file (sticky directory): the service reads bob's own directory.
        Endpoint e = LocalCluster.waitForEndpoint(s, job, r.key());
        assertThat(e.host()).isEqualTo("node-cpu");
        assertThat(LocalCluster.get(e.url() + "/").statusCode()).isEqualTo(200);
        assertThat(Files.readString(file)).contains("evil.example.org");
    }
}
