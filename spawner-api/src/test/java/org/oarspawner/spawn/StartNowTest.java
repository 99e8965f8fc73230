package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;
import static org.oarspawner.spawn.Await.until;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/**
 * A start answered before oarsub (issue 12, item 6) and a stop answered before oardel (item 5): what the REST API's 202
 * rests on. oarsub and oardel are held out here, so an answer that waited for them would not come at all.
 */
class StartNowTest extends ManagerTestBase {

    private List<SpawnEvent> events(SpawnKey key) {
        return await(manager.subscribe(key, 0, e -> { }));
    }

    @Test
    void aStartIsAnsweredBeforeOarsubAndTheJobIdComesOnTheEvents() {
        oar.holdSubmits = true;
        JobRequest r = request("lab", "cpu");
        SpawnManager.Started started = await(manager.startNow(r));
        assertThat(started.live()).isFalse();
        assertThat(started.view().state()).isEqualTo(SpawnState.SUBMITTING);
        assertThat(started.view().jobId()).isEmpty();
        assertThat(oar.submitted).isEmpty();
        // A repeated start while oarsub is out: the same spawn, live, and still no second job.
        SpawnManager.Started again = await(manager.startNow(r));
        assertThat(again.live()).isTrue();
        assertThat(events(r.key())).extracting(SpawnEvent::jobId).containsOnlyNulls();

        oar.answerSubmits();
        long job = waitFor(r.key(), SpawnState.QUEUED).jobId().orElseThrow();
        assertThat(oar.submitted).hasSize(1);
        SpawnEvent submitted = events(r.key()).get(1);
        assertThat(submitted.message()).isEqualTo("Submitted as job " + job + " on cluster cpu");
        assertThat(submitted.jobId()).isEqualTo(job);

        runAndListen(job);
        await(manager.pollNow("cpu"));
        Spawn.View ready = waitFor(r.key(), SpawnState.READY);
        SpawnEvent last = events(r.key()).get(events(r.key()).size() - 1);
        assertThat(last.ready()).isTrue();
        assertThat(last.url()).isEqualTo(ready.url().orElseThrow()).isEqualTo(url());
        assertThat(events(r.key()).subList(1, events(r.key()).size())).extracting(SpawnEvent::jobId).containsOnly(job);
    }

    @Test
    void aRefusedSubmissionIsAFailedSpawnWithTheSchedulersMessageAndReason() {
        SchedulerException refusal = new SchedulerException("cpu", SchedulerException.Reason.NO_ACCOUNT, -1,
                "user bob has no account on cluster cpu");
        oar.refuse = refusal;
        JobRequest r = request("lab", "cpu");
        assertThat(await(manager.startNow(r)).live()).isFalse();
        Spawn.View failed = waitFor(r.key(), SpawnState.FAILED);
        assertThat(failed.refusal()).contains(SchedulerException.Reason.NO_ACCOUNT);
        assertThat(failed.failure()).contains(FailureReason.REJECTED);
        assertThat(failed.message()).isEqualTo(refusal.getMessage());
        SpawnEvent last = events(r.key()).get(events(r.key()).size() - 1);
        assertThat(last.failed()).isTrue();
        assertThat(last.message()).isEqualTo(refusal.getMessage());
        // A start after the refusal is a new spawn.
        oar.refuse = null;
        assertThat(await(manager.startNow(r)).live()).isFalse();
        waitFor(r.key(), SpawnState.QUEUED);
    }

    @Test
    void aStopIsAnsweredBeforeOardelAndTheRouteGoesAtOnce() {
        JobRequest r = request("lab", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        runAndListen(job);
        await(manager.pollNow("cpu"));
        waitFor(r.key(), SpawnState.READY);
        until("route added", () -> proxy.table.containsKey("/user/bob/lab"));

        oar.holdCancels = true;
        assertThat(await(manager.stop(r.key())).orElseThrow().state()).isEqualTo(SpawnState.STOPPING);
        assertThat(proxy.table).doesNotContainKey("/user/bob/lab");
        assertThat(oar.cancels).isEmpty();

        oar.answerCancels();
        until("oardel sent", () -> oar.cancels.equals(List.of(job)));
        await(manager.pollNow("cpu"));
        waitFor(r.key(), SpawnState.STOPPED);
        until("cleaned", () -> oar.cleaned.equals(List.of(job)));
    }

    @Test
    void aStartWhileThePreviousJobIsStoppedIsAnsweredAtOnceAndSubmitsOnceItEnded() {
        JobRequest r = request("lab", "cpu");
        long first = await(manager.start(r)).jobId().orElseThrow();
        oar.run(first, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        oar.cancelEndsJob = false; // OAR ends the job a while after oardel
        await(manager.stop(r.key()));

        SpawnManager.Started started = await(manager.startNow(r));
        assertThat(started.live()).isFalse();
        assertThat(started.view().state()).isEqualTo(SpawnState.SUBMITTING);
        assertThat(started.view().message()).startsWith("Waiting for the previous job " + first);
        await(manager.pollNow("cpu"));
        assertThat(oar.submitted).as("nothing submitted while job " + first + " runs").hasSize(1);
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.SUBMITTING);
        // A repeated start meanwhile is the waiting spawn.
        assertThat(await(manager.startNow(r)).live()).isTrue();

        oar.end(first, org.oarspawner.spi.JobState.ERROR, java.util.OptionalInt.empty(), "FRAG_JOB_REQUEST");
        await(manager.pollNow("cpu"));
        await(manager.pollNow("cpu"));
        Spawn.View queued = waitFor(r.key(), SpawnState.QUEUED);
        assertThat(oar.cleaned).containsExactly(first);
        assertThat(oar.submitted).hasSize(2);
        assertThat(queued.jobId()).isPresent().get().isNotEqualTo(first);
        // The old spawn's end said nothing in the new one's events.
        assertThat(events(r.key())).extracting(SpawnEvent::message).noneMatch(m -> m.contains("was cancelled"))
                .anyMatch(m -> m.startsWith("Submitting the job"));
    }
}
