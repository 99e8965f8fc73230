package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;
import static org.oarspawner.spawn.Await.until;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/** The state machine from submission to ready, stop, recovery; see {@link ManagerTestBase}. */
class SpawnManagerTest extends ManagerTestBase {
    @Test
    void submitThenQueuedThenStartingThenReadyInOrder() {
        JobRequest r = request("web", "cpu");
        List<SpawnEvent> events = new CopyOnWriteArrayList<>();
        await(manager.subscribe(r.key(), 0, events::add));

        Spawn.View first = await(manager.start(r));
        assertThat(first.state()).isEqualTo(SpawnState.QUEUED);
        long job = first.jobId().orElseThrow();
        // A second PUT for a live spawn returns it: never a second job.
        assertThat(await(manager.start(r)).jobId()).contains(job);
        assertThat(oar.submitted).hasSize(1);

        oar.waitUntil(job, T0.plus(Duration.ofMinutes(20)));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).queuePosition()).contains(1);

        clock.advance(Duration.ofMinutes(20));
        runAndListen(job);
        await(manager.pollNow("cpu"));
        Spawn.View ready = waitFor(r.key(), SpawnState.READY);

        assertThat(ready.url()).contains(url());
        assertThat(ready.nodes()).containsExactly(NODE);
        assertThat(ready.queuePosition()).isEmpty();
        assertThat(ready.runningAt()).contains(T0.plus(Duration.ofMinutes(20)));
        assertThat(events).extracting(SpawnEvent::message).containsExactly(
                "Submitting the job to cluster cpu",
                "Submitted as job " + job + " on cluster cpu",
                "Job " + job + " is waiting, position 1, estimated start 10:20 UTC (in about 20 min)",
                "Job " + job + " is running on node " + NODE,
                "The notebook listens at " + url(),
                "Server ready at " + url());
        assertThat(events).extracting(SpawnEvent::state).containsExactly(SpawnState.SUBMITTING, SpawnState.QUEUED,
                SpawnState.QUEUED, SpawnState.STARTING, SpawnState.STARTING, SpawnState.READY);
        assertThat(events).extracting(SpawnEvent::progress).isSorted();
        assertThat(events).extracting(SpawnEvent::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(events.get(5).ready()).isTrue();
        // A stream resumed after event 4 gets 5 and 6 only.
        assertThat(await(manager.subscribe(r.key(), 4, e -> { }))).extracting(SpawnEvent::id).containsExactly(5L, 6L);
    }

    @Test
    void queuedSpawnsAreRankedAndToldTheirEstimatedStartOnlyWhenItChanges() {
        JobRequest a = request("a", "gpu");
        JobRequest b = request("b", "gpu");
        long ja = await(manager.start(a)).jobId().orElseThrow();
        long jb = await(manager.start(b)).jobId().orElseThrow();
        oar.waitUntil(ja, T0.plus(Duration.ofHours(2)));
        oar.waitUntil(jb, T0.plus(Duration.ofMinutes(30)));
        await(manager.pollNow("gpu"));
        assertThat(view(b.key()).queuePosition()).contains(1);
        assertThat(view(a.key()).queuePosition()).contains(2);
        assertThat(view(a.key()).message()).isEqualTo("Job " + ja + " is waiting, position 2, estimated start 12:00 UTC (in about 2 h 0 min)");
        assertThat(oar.statusCalls).hasSize(1);

        int before = await(manager.subscribe(a.key(), 0, e -> { })).size();
        await(manager.pollNow("gpu"));
        assertThat(await(manager.subscribe(a.key(), 0, e -> { }))).hasSize(before);

        oar.waitUntil(ja, T0.plus(Duration.ofMinutes(10)));
        await(manager.pollNow("gpu"));
        assertThat(view(a.key()).queuePosition()).contains(1);
        assertThat(view(b.key()).queuePosition()).contains(2);
        assertThat(view(a.key()).message()).endsWith("position 1, estimated start 10:10 UTC (in about 10 min)");
    }

    @Test
    void aPollIsSkippedWhileTheLastOneIsOut() {
        await(manager.start(request("a", "cpu")));
        await(manager.start(request("b", "cpu")));
        oar.holdStatus = true;
        await(manager.pollNow("cpu"));
        await(manager.pollNow("cpu"));
        assertThat(oar.statusCalls).hasSize(1);
        assertThat(oar.lastStatusCall()).hasSize(2);
        oar.holdStatus = false;
        oar.answerStatus();
        await(manager.pollNow("cpu"));
        assertThat(oar.statusCalls).hasSize(2);
    }

    @Test
    void stopCancelsAndTheEndedJobIsReleasedCleanedAndUnrouted() {
        JobRequest r = request("web", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        runAndListen(job);
        await(manager.pollNow("cpu"));
        waitFor(r.key(), SpawnState.READY);
        assertThat(proxy.table).containsKey("/user/bob/web");

        assertThat(await(manager.stop(r.key()))).get().extracting(Spawn.View::state).isEqualTo(SpawnState.STOPPING);
        assertThat(oar.cancels).containsExactly(job);
        await(manager.pollNow("cpu"));

        Spawn.View stopped = view(r.key());
        assertThat(stopped.state()).isEqualTo(SpawnState.STOPPED);
        assertThat(oar.released).containsExactly(job);
        assertThat(oar.cleaned).containsExactly(job);
        assertThat(proxy.table).isEmpty();
        // Stopping again is not an error and sends nothing.
        assertThat(await(manager.stop(r.key()))).get().extracting(Spawn.View::state).isEqualTo(SpawnState.STOPPED);
        assertThat(oar.cancels).hasSize(1);
    }

    @Test
    void aNotebookThatNeverAnswersFailsAtTheStartTimeoutAndItsJobIsCancelled() {
        JobRequest r = request("slow", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        oar.run(job, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STARTING);

        clock.advance(START_TIMEOUT.plusSeconds(1));
        await(manager.pollNow("cpu"));

        Spawn.View failed = view(r.key());
        assertThat(failed.state()).isEqualTo(SpawnState.FAILED);
        assertThat(failed.failure()).contains(FailureReason.START_TIMEOUT);
        assertThat(failed.message()).isEqualTo("The notebook did not answer within 300 s of job " + job + " starting; the job is cancelled");
        assertThat(oar.cancels).containsExactly(job);
        assertThat(oar.cleaned).containsExactly(job);
    }

    @Test
    void aLostRouteIsRestoredAndAJobEndingOnItsOwnTakesItsRouteAway() {
        JobRequest r = request("", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        runAndListen(job);
        await(manager.pollNow("cpu"));
        waitFor(r.key(), SpawnState.READY);
        assertThat(proxy.table.get("/user/bob").target()).isEqualTo(url());

        proxy.table.clear();
        await(manager.syncRoutesNow());
        assertThat(proxy.table.get("/user/bob").target()).isEqualTo(url());

        oar.end(job, JobState.TERMINATED, OptionalInt.empty(), "WALLTIME");
        await(manager.pollNow("cpu"));
        Spawn.View ended = waitFor(r.key(), SpawnState.FAILED);
        assertThat(ended.failure()).contains(FailureReason.WALLTIME);
        assertThat(proxy.table).isEmpty();
        assertThat(oar.released).containsExactly(job);
    }

    @Test
    void aRefusedSubmissionFailsTheSpawnWithOarsMessage() {
        oar.refuse = new SchedulerException("cpu", SchedulerException.Reason.REJECTED, 1,
                "# ADMISSION RULE] devel jobs may not exceed a walltime of 00:30:00");
        JobRequest r = request("devel", "cpu");
        assertThat(manager.start(r).toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10));
        Spawn.View failed = view(r.key());
        assertThat(failed.state()).isEqualTo(SpawnState.FAILED);
        assertThat(failed.failure()).contains(FailureReason.REJECTED);
        assertThat(failed.message()).contains("devel jobs may not exceed");
    }

    @Test
    void recoveryRebuildsSpawnsFromOarsJobs() {
        long job = await(manager.start(request("web", "cpu"))).jobId().orElseThrow();
        oar.waitUntil(job, null);
        manager.close();
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock, SpawnMetrics.NONE, proxy, "/");

        assertThat(await(manager.recover(java.util.Optional::of))).isEqualTo(1);
        assertThat(view(new SpawnKey("bob", "web")).jobId()).contains(job);
        assertThat(view(new SpawnKey("bob", "web")).state()).isEqualTo(SpawnState.QUEUED);
        // The hub PUTs again: the same job.
        assertThat(await(manager.start(request("web", "cpu"))).jobId()).contains(job);
        assertThat(oar.submitted).hasSize(1);
    }
}
