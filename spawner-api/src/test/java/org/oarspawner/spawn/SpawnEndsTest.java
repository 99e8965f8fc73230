package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;

import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;

/**
 * Every way a spawn ends lets go of its job: the cancel goes through in the end, and the tunnel is released
 * (issue 8, item 7). See {@link ManagerTestBase}.
 */
class SpawnEndsTest extends ManagerTestBase {

    /** A spawn whose job runs but whose notebook never answers, past its start timeout. */
    private long timedOut(String server) {
        JobRequest r = request(server, "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        oar.run(job, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        clock.advance(START_TIMEOUT.plusSeconds(1));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).failure()).contains(FailureReason.START_TIMEOUT);
        return job;
    }

    @Test
    void aJobOarDoesNotListEndsTheSpawnOnlyIfTheNextPollSaysSoToo() {
        JobRequest r = request("vanish", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        oar.run(job, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        FakeScheduler.Job kept = oar.jobs.remove(job);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STARTING);
        oar.jobs.put(job, kept);
        await(manager.pollNow("cpu"));
        oar.jobs.remove(job);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STARTING);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state().isFinal()).isTrue();
    }

    @Test
    void afterAStartTimeoutAFailedOardelIsSentAgainUntilOarConfirms() {
        oar.failingCancels.set(2);
        long job = timedOut("slow");
        assertThat(oar.cancels).containsExactly(job);
        assertThat(oar.job(job).state).isEqualTo(JobState.RUNNING);
        // Its files stay while the job may still run.
        assertThat(oar.cleaned).isEmpty();

        await(manager.pollNow("cpu"));
        assertThat(oar.lastStatusCall()).containsExactly(job);
        assertThat(oar.cancels).containsExactly(job, job);
        await(manager.pollNow("cpu"));
        assertThat(oar.cancels).containsExactly(job, job, job);
        assertThat(oar.job(job).state).isEqualTo(JobState.ERROR);
        assertThat(oar.cleaned).containsExactly(job);

        // Confirmed: the job is no longer polled, nor cancelled again.
        int polls = oar.statusCalls.size();
        await(manager.pollNow("cpu"));
        assertThat(oar.statusCalls).hasSize(polls);
        assertThat(oar.cancels).hasSize(3);
        assertThat(view(request("slow", "cpu").key()).state()).isEqualTo(SpawnState.FAILED);
    }

    @Test
    void afterAStartTimeoutAJobThatOarShowsEndedNeedsNoFurtherOardel() {
        oar.failingCancels.set(1);
        long job = timedOut("slow");
        oar.end(job, JobState.TERMINATED, OptionalInt.of(143));
        await(manager.pollNow("cpu"));
        assertThat(oar.cancels).containsExactly(job);
        assertThat(oar.cleaned).containsExactly(job);
    }

    @Test
    void aStopWhoseOardelFailsIsSentAgainOnTheNextPoll() {
        JobRequest r = request("web", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        oar.failingCancels.set(1);
        // The stop is answered once recorded, whatever oardel does; the failed oardel goes again on the next poll.
        assertThat(await(manager.stop(r.key())).orElseThrow().state()).isEqualTo(SpawnState.STOPPING);
        assertThat(oar.cancels).containsExactly(job);
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STOPPING);
        await(manager.pollNow("cpu"));
        assertThat(oar.cancels).containsExactly(job, job);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STOPPED);
        assertThat(oar.cleaned).containsExactly(job);
    }

    @Test
    void theTunnelIsReleasedOnEveryEndPath() {
        oar.tunnel = null;
        // Start timeout, with the endpoint found (reach() may have opened a tunnel) but no HTTP answer.
        JobRequest slow = request("slow", "cpu");
        long slowJob = await(manager.start(slow)).jobId().orElseThrow();
        oar.run(slowJob, NODE, clock.instant());
        // A user port where nothing listens (a system port would be refused outright).
        int nothing;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            nothing = free.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        oar.listen(slowJob, new org.oarspawner.spi.Endpoint(NODE, nothing));
        await(manager.pollNow("cpu"));
        clock.advance(START_TIMEOUT.plusSeconds(1));
        await(manager.pollNow("cpu"));
        // The poll may find a knock on the notebook still out: then its retry gives up.
        assertThat(waitFor(slow.key(), SpawnState.FAILED).failure()).contains(FailureReason.START_TIMEOUT);
        assertThat(oar.released).containsExactly(slowJob);

        // Stopped.
        JobRequest stopped = request("stopped", "cpu");
        long stoppedJob = await(manager.start(stopped)).jobId().orElseThrow();
        runAndListen(stoppedJob);
        await(manager.pollNow("cpu"));
        waitFor(stopped.key(), SpawnState.READY);
        await(manager.stop(stopped.key()));
        await(manager.pollNow("cpu"));
        assertThat(view(stopped.key()).state()).isEqualTo(SpawnState.STOPPED);

        // Walltime.
        JobRequest walltime = request("walltime", "cpu");
        long walltimeJob = await(manager.start(walltime)).jobId().orElseThrow();
        runAndListen(walltimeJob);
        await(manager.pollNow("cpu"));
        waitFor(walltime.key(), SpawnState.READY);
        oar.end(walltimeJob, JobState.TERMINATED, OptionalInt.empty(), "WALLTIME");
        await(manager.pollNow("cpu"));
        assertThat(waitFor(walltime.key(), SpawnState.FAILED).failure()).contains(FailureReason.WALLTIME);

        // Failed: the job exited on its own before its notebook answered.
        JobRequest crashed = request("crashed", "cpu");
        long crashedJob = await(manager.start(crashed)).jobId().orElseThrow();
        oar.run(crashedJob, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        oar.end(crashedJob, JobState.ERROR, OptionalInt.of(3));
        await(manager.pollNow("cpu"));
        assertThat(waitFor(crashed.key(), SpawnState.FAILED).failure()).contains(FailureReason.ENDED_BEFORE_READY);

        assertThat(oar.released).containsExactlyInAnyOrder(slowJob, stoppedJob, walltimeJob, crashedJob);
    }
}
