package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;

/**
 * The service as a real process, with deploy/config/oarspawner.yaml, killed with SIGKILL mid-queue and
 * mid-start and started again: no spawn lost, no job orphaned or duplicated.
 */
class ServiceProcessIT {
    static final String INSTANCE = "proc";

    private ServiceProcess service;

    @BeforeEach
    void setUp() throws Exception {
        service = new ServiceProcess(INSTANCE, java.util.Map.of("OARSPAWNER_CLUSTERS__GPU__LIMITS__MAX_CORES", "4")).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
    }

    private HttpResponse<String> call(String method, String path, JsonObject body) throws Exception {
        return service.call(method, path, body);
    }

    private List<JsonObject> servers() throws Exception {
        return service.servers();
    }

    private JsonObject server(String user, String name) throws Exception {
        return service.server(user, name);
    }

    private JsonObject waitFor(String user, String name, Predicate<JsonObject> until) throws Exception {
        return service.waitFor(user, name, until);
    }

    private static void waitUntil(ServiceProcess.Check check, String what) throws Exception {
        ServiceProcess.waitUntil(check, what);
    }

    private static JsonObject body(String cluster, int gpus, List<String> command) {
        return ServiceProcess.body(cluster, gpus, command);
    }

    private int jobsNamed(String user, String server) {
        return service.jobsNamed(user, server);
    }

    @Test
    void sigkillMidQueueLosesNothingAndDuplicatesNothing() throws Exception {
        HttpResponse<String> fill = call("PUT", "/api/v1/users/bob/servers/fill", body("gpu", 2, List.of("sleep", "600")));
        assertThat(fill.statusCode()).as(fill.body()).isEqualTo(202);
        waitFor("bob", "fill", s -> s.getString("state").equals("starting"));
        HttpResponse<String> put = call("PUT", "/api/v1/users/bob/servers/_default", body("gpu", 1, LocalCluster.HTTP_SERVER));
        assertThat(put.statusCode()).isEqualTo(202);
        long jobId = service.jobOf("bob", "_default");
        JsonObject queued = waitFor("bob", "_default", s -> s.containsKey("estimatedStart"));
        assertThat(queued.getString("state")).isEqualTo("queued");
        assertThat(queued.getInteger("queuePosition")).isEqualTo(1);

        service.kill();
        service.start();

        JsonObject found = waitFor("bob", "_default", s -> s.getString("state").equals("queued"));
        assertThat(found.getLong("jobId")).isEqualTo(jobId);
        // Every configured cluster here shares one OAR server and sees every job: each is found under its own.
        assertThat(found.getString("cluster")).isEqualTo("gpu");
        assertThat(server("bob", "fill").getString("cluster")).isEqualTo("gpu");
        // The hub lost its state and PUTs again: the same job comes back, with 200, and OAR holds one job.
        HttpResponse<String> again = call("PUT", "/api/v1/users/bob/servers/_default", body("gpu", 1, LocalCluster.HTTP_SERVER));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(again.body()).getLong("jobId")).isEqualTo(jobId);
        assertThat(jobsNamed("bob", "")).isEqualTo(1);
        assertThat(jobsNamed("bob", "fill")).isEqualTo(1);

        assertThat(call("DELETE", "/api/v1/users/bob/servers/_default", null).statusCode()).isEqualTo(202);
        assertThat(waitFor("bob", "_default", s -> s.getString("state").equals("stopped")).getLong("jobId")).isEqualTo(jobId);
        waitUntil(() -> jobsNamed("bob", "") == 0, "no job left for bob's default server");
    }

    @Test
    void sigkillMidStartThenReadyWithProgressResumed() throws Exception {
        // A notebook that takes a few seconds to listen, so that the kill lands while the spawn is starting.
        List<String> slow = List.of("/bin/sh", "-c", "sleep 5; exec python3 -m http.server {port} --bind {host}");
        HttpResponse<String> put = call("PUT", "/api/v1/users/bob/servers/slow", body("cpu", 0, slow));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
        long jobId = service.jobOf("bob", "slow");
        waitFor("bob", "slow", s -> s.getString("state").equals("starting"));

        service.kill();
        service.start();

        // Events from the start, as a reconnecting client with no Last-Event-ID would read them.
        CompletableFuture<List<JsonObject>> events = CompletableFuture.supplyAsync(() -> readEvents("/api/v1/users/bob/servers/slow/events", 0));
        JsonObject ready = waitFor("bob", "slow", s -> s.getString("state").equals("ready"));
        assertThat(ready.getLong("jobId")).isEqualTo(jobId);
        assertThat(jobsNamed("bob", "slow")).isEqualTo(1);
        assertThat(LocalCluster.get(ready.getString("url") + "/").statusCode()).isEqualTo(200);
        List<JsonObject> seen = events.get();
        assertThat(seen.get(seen.size() - 1).getBoolean("ready")).isTrue();
        // The ready event says where the notebook is (GET's url) and every event the job (issue 12): no GET needed.
        assertThat(seen.get(seen.size() - 1).getString("url")).isEqualTo(ready.getString("url"));
        assertThat(seen).extracting(e -> e.getLong("jobId")).containsOnly(jobId);
        assertThat(seen).extracting(e -> e.getString("message")).anyMatch(m -> m.startsWith("Found job " + jobId));
        assertThat(seen).extracting(e -> e.getInteger("progress")).isSorted();
    }

    @Test
    void pollingStaysAtOneOarstatPerTickFor1And50Spawns() throws Exception {
        double[] one = oarstatsAndPolls(1);
        double[] fifty = oarstatsAndPolls(50);
        System.out.printf("over 10 s: 1 spawn -> %.0f oarstat for %.0f polls; 50 spawns -> %.0f oarstat for %.0f polls%n",
                one[0], one[1], fifty[0], fifty[1]);
        // One oarstat per poll whatever the number of spawns. A poll counts when it starts and its oarstat when it
        // ends, so a read may fall between the two: the counts may differ by the one poll in flight, no more.
        assertThat(one[0]).isCloseTo(one[1], org.assertj.core.data.Offset.offset(1.0));
        assertThat(fifty[0]).isCloseTo(fifty[1], org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void twentyStartingSpawnsReadTheirEndpointsFromTheSpoolInBatches() throws Exception {
        String endpoints = "cluster=\"bench\",command=\"endpoints\",outcome=\"success\"";
        String stage = "cluster=\"bench\",command=\"stage\",outcome=\"success\"";
        double endpoints0 = metric("oarspawner_oar_command_duration_seconds_count", endpoints);
        double stage0 = metric("oarspawner_oar_command_duration_seconds_count", stage);
        String oarsub = "cluster=\"bench\",command=\"oarsub\",outcome=\"success\"";
        double oarsub0 = metric("oarspawner_oar_command_duration_seconds_count", oarsub);
        long t0 = System.nanoTime();
        java.time.Instant sent = java.time.Instant.now();
        List<CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
        long[] answered = new long[20];
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(20);
        for (int i = 0; i < 20; i++) {
            String path = "/api/v1/users/bob/servers/e" + i;
            int n = i;
            puts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    HttpResponse<String> r = call("PUT", path, body("bench", 0, LocalCluster.HTTP_SERVER));
                    answered[n] = (System.nanoTime() - t0) / 1_000_000;
                    return r;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, senders));
        }
        for (CompletableFuture<HttpResponse<String>> f : puts) {
            assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(202);
        }
        senders.shutdown();
        waitUntil(() -> servers().stream().filter(v -> v.getString("name").startsWith("e"))
                .allMatch(v -> v.getString("state").equals("ready")), "20 spawns ready");
        double seconds = (System.nanoTime() - t0) / 1e9;
        // A figure, not a gate (issue 12, item 6): the PUTs' answers, and when each job id was known (oarsub answered,
        // which is what a PUT waited for before).
        long[] submitted = servers().stream().filter(v -> v.getString("name").startsWith("e"))
                .mapToLong(v -> java.time.Duration.between(sent, java.time.Instant.parse(v.getString("submittedAt"))).toMillis())
                .sorted().toArray();
        java.util.Arrays.sort(answered);
        System.out.printf("burst of 20 PUTs: answered p50 %d ms, max %d ms; job ids known p50 %d ms, max %d ms after sending%n",
                answered[9], answered[19], submitted[9], submitted[19]);
        double reads = metric("oarspawner_oar_command_duration_seconds_count", endpoints) - endpoints0;
        double staged = metric("oarspawner_oar_command_duration_seconds_count", stage) - stage0;
        double submits = metric("oarspawner_oar_command_duration_seconds_count", oarsub) - oarsub0;
        System.out.printf("20 spawns ready in %.1f s: %.0f spool reads, %.0f oarsub commands, %.0f staging operations%n", seconds,
                reads, submits, staged);
        // A submission is one command, its staging included (issue 12); no endpoint is read from a job's own directory.
        assertThat(submits).isEqualTo(20);
        assertThat(staged).isZero();
        // The spool is read at most once per 250 ms for the whole cluster, whatever the number of starting jobs.
        assertThat(reads).isPositive().isLessThanOrEqualTo(Math.ceil(seconds / 0.25) + 1);
    }

    /** Starts n spawns on the CPU cluster, then counts oarstat commands and poll ticks over 10 s from /metrics. */
    private double[] oarstatsAndPolls(int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = "/api/v1/users/bob/servers/p" + n + "-" + i;
            puts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return call("PUT", path, body("cpu", 0, List.of("sleep", "600")));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<HttpResponse<String>> f : puts) {
            assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(202);
        }
        Thread.sleep(1500);
        double stats0 = metric("oarspawner_oar_command_duration_seconds_count", "cluster=\"cpu\",command=\"oarstat\",outcome=\"success\"");
        double polls0 = metric("oarspawner_polls_total", "cluster=\"cpu\"");
        Thread.sleep(10_000);
        double stats = metric("oarspawner_oar_command_duration_seconds_count", "cluster=\"cpu\",command=\"oarstat\",outcome=\"success\"") - stats0;
        double polls = metric("oarspawner_polls_total", "cluster=\"cpu\"") - polls0;
        assertThat(polls).isGreaterThanOrEqualTo(10);
        for (int i = 0; i < n; i++) {
            call("DELETE", "/api/v1/users/bob/servers/p" + n + "-" + i, null);
        }
        return new double[] {stats, polls};
    }

    private double metric(String name, String labels) throws Exception {
        return service.metric(name, labels);
    }

    private List<JsonObject> readEvents(String path, long lastEventId) {
        return service.readEvents(path, lastEventId);
    }
}
