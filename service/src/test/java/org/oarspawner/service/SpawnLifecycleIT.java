package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.Identity;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.oar.OarScheduler;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnEvent;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/** The spawn lifecycle on the real local OAR cluster. */
@ExtendWith(VertxExtension.class)
class SpawnLifecycleIT {
    private static final Duration TICK = Duration.ofMillis(500);
    private Vertx vertx;
    private OarScheduler scheduler;
    private SpawnManager manager;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        scheduler = LocalCluster.scheduler(vertx, "life", Identity.SERVICE_ACCOUNT);
        manager = new SpawnManager(vertx, scheduler, TICK, Duration.ofSeconds(60), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(scheduler);
        manager.close();
        scheduler.close();
    }

    private static JobRequest.Builder request(String server, String cluster) {
        return JobRequest.builder(new SpawnKey("bob", server), cluster, "bob").project(LocalCluster.PROJECT)
                .walltime(Duration.ofMinutes(10)).command(LocalCluster.HTTP_SERVER);
    }


    @Test
    void aSpawnReachesReadyWithProgressInOrderThenStops() {
        JobRequest r = request("ready", "cpu").build();
        List<SpawnEvent> events = new CopyOnWriteArrayList<>();
        await(manager.subscribe(r.key(), 0, events::add));
        Spawn.View first = await(manager.start(r));
        // A second PUT for a live spawn returns it: never a second job.
        Spawn.View again = await(manager.start(r));
        assertThat(again.jobId()).isEqualTo(first.jobId()).isPresent();

        Spawn.View ready = Spawns.waitFor(manager, r.key(), v -> v.state() == SpawnState.READY);
        assertThat(ready.nodes()).containsExactly("node-cpu");
        assertThat(ready.url()).get().asString().startsWith("http://node-cpu:");
        assertThat(LocalCluster.get(ready.url().orElseThrow() + "/").statusCode()).isEqualTo(200);
        assertThat(ready.walltimeLeft(java.time.Instant.now())).get().matches(d -> d.compareTo(Duration.ofMinutes(10)) <= 0);

        assertThat(events).extracting(SpawnEvent::state).containsSubsequence(SpawnState.SUBMITTING, SpawnState.QUEUED,
                SpawnState.STARTING, SpawnState.READY);
        assertThat(events).extracting(SpawnEvent::message).anyMatch(m -> m.startsWith("Job " + first.jobId().get() + " is running on node node-cpu"));
        assertThat(events).extracting(SpawnEvent::id).isSorted().doesNotHaveDuplicates();
        assertThat(events.get(events.size() - 1).ready()).isTrue();
        // Resuming after an event id replays only what came later.
        List<SpawnEvent> replay = await(manager.subscribe(r.key(), events.get(1).id(), e -> { }));
        assertThat(replay).hasSize(events.size() - 2);

        await(manager.stop(r.key()));
        Spawn.View stopped = Spawns.waitFor(manager, r.key(), v -> v.state().isFinal());
        assertThat(stopped.state()).isEqualTo(SpawnState.STOPPED);
        JobRef job = new JobRef("cpu", first.jobId().get(), "bob");
        assertThat(await(scheduler.status("cpu", List.of(job))).get(job.id()).state().isFinal()).isTrue();
        // Stopping again is not an error.
        assertThat(await(manager.stop(r.key()))).get().extracting(Spawn.View::state).isEqualTo(SpawnState.STOPPED);
    }

    @Test
    void cancelWhileQueuedAndSurviveARestart() {
        JobRequest fill = request("fill", "gpu").gpus(2).command("sleep", "600").build();
        await(manager.start(fill));
        Spawns.waitFor(manager, fill.key(), v -> v.state() == SpawnState.STARTING || v.state() == SpawnState.READY);
        JobRequest r = request("queued", "gpu").gpus(1).gpuModel("A100").build();
        Spawn.View submitted = await(manager.start(r));
        Spawn.View queued = Spawns.waitFor(manager, r.key(), v -> v.queuePosition().isPresent() && v.scheduledStart().isPresent());
        assertThat(queued.state()).isEqualTo(SpawnState.QUEUED);
        assertThat(queued.queuePosition()).contains(1);
        assertThat(queued.message()).contains("position 1").contains("estimated start");

        // The service dies mid-queue; a new one with no memory finds the job by its name.
        manager.close();
        scheduler.close();
        scheduler = LocalCluster.scheduler(vertx, "life", Identity.SERVICE_ACCOUNT);
        manager = new SpawnManager(vertx, scheduler, TICK, Duration.ofSeconds(60), Clock.systemUTC());
        assertThat(await(manager.recover(java.util.Optional::of))).isGreaterThanOrEqualTo(2);
        Spawn.View found = await(manager.get(r.key())).orElseThrow();
        assertThat(found.jobId()).isEqualTo(submitted.jobId());
        // The hub, having lost its state, PUTs again: the same job, not a second one.
        assertThat(await(manager.start(r)).jobId()).isEqualTo(submitted.jobId());
        assertThat(Spawns.waitFor(manager, r.key(), v -> v.queuePosition().isPresent()).state()).isEqualTo(SpawnState.QUEUED);

        await(manager.stop(r.key()));
        assertThat(Spawns.waitFor(manager, r.key(), v -> v.state().isFinal()).state()).isEqualTo(SpawnState.STOPPED);
        await(manager.stop(fill.key()));
        assertThat(Spawns.waitFor(manager, fill.key(), v -> v.state().isFinal()).state()).isEqualTo(SpawnState.STOPPED);
        JobRef job = new JobRef("gpu", submitted.jobId().get(), "bob");
        assertThat(await(scheduler.status("gpu", List.of(job))).get(job.id()).state()).isIn(JobState.ERROR, JobState.GONE);
    }

    @Test
    void twoConcurrentStartsMakeOneJob() {
        JobRequest r = request("twice", "cpu").build();
        var first = manager.start(r);
        var second = manager.start(r);
        assertThat(await(first).jobId()).isPresent().isEqualTo(await(second).jobId());
        long ours = await(scheduler.findActive("cpu")).stream().filter(j -> j.key().equals(java.util.Optional.of(r.key()))).count();
        assertThat(ours).isEqualTo(1);
    }

    @Test
    void stopThenStartAtOnceGetsANewJobThatReachesReady() {
        JobRequest r = request("again", "cpu").build();
        await(manager.start(r));
        Spawn.View first = Spawns.waitFor(manager, r.key(), v -> v.state() == SpawnState.READY);
        await(manager.stop(r.key()));
        // The user starts again while OAR still ends the first job: the start waits for it, then a new job runs
        // in the same job directory, which the first job's clean-up must not have removed.
        Spawn.View second = await(manager.start(r));
        assertThat(second.jobId()).isPresent().isNotEqualTo(first.jobId());
        Spawn.View ready = Spawns.waitFor(manager, r.key(), v -> v.state().isFinal() || v.state() == SpawnState.READY);
        assertThat(ready.state()).as(ready.message()).isEqualTo(SpawnState.READY);
        assertThat(ready.jobId()).isEqualTo(second.jobId());
        assertThat(LocalCluster.get(ready.url().orElseThrow() + "/").statusCode()).isEqualTo(200);
    }

    @Test
    void aJobThatExitsEarlySaysWhy() {
        JobRequest r = request("crash", "cpu")
                .command("/bin/sh", "-c", "echo 'ModuleNotFoundError: No module named jupyterhub' >&2; exit 3").build();
        await(manager.start(r));
        Spawn.View failed = Spawns.waitFor(manager, r.key(), v -> v.state().isFinal());
        assertThat(failed.state()).isEqualTo(SpawnState.FAILED);
        assertThat(failed.failure()).contains(FailureReason.ENDED_BEFORE_READY);
        assertThat(failed.exitStatus()).hasValue(3);
        assertThat(failed.stderrTail()).contains("No module named jupyterhub");
        assertThat(failed.message()).contains("exit status 3").contains("No module named jupyterhub");
    }

    @Test
    void oarsRefusalIsTheSpawnsFailure() {
        JobRequest r = request("devel", "cpu").type("devel").walltime(java.time.Duration.ofHours(3)).build();
        assertThat(manager.start(r).toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(30));
        Spawn.View failed = await(manager.get(r.key())).orElseThrow();
        assertThat(failed.state()).isEqualTo(SpawnState.FAILED);
        assertThat(failed.failure()).contains(FailureReason.REJECTED);
        assertThat(failed.message()).contains("devel jobs may not exceed a walltime of 00:30:00");
    }
}
