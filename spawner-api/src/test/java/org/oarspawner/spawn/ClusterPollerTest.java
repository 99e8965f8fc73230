package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SpawnKey;

class ClusterPollerTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final List<Spawn> spawns = new ArrayList<>();
    private final List<Map<Long, JobStatus>> answers = new ArrayList<>();
    private final ClusterMetrics recorded = new ClusterMetrics();
    private final List<String> polls = recorded.polls;
    private final ClusterPoller poller = new ClusterPoller(oar, new LifecycleMetrics(recorded, clock), () -> spawns,
            s -> !s.state.isFinal(), (cluster, tracked, statuses) -> answers.add(statuses));

    private Spawn spawn(String cluster, String server, SpawnState state) {
        Spawn s = new Spawn(new SpawnKey("bob", server), cluster, "bob", clock.instant());
        s.state = state;
        if (state != SpawnState.SUBMITTING) {
            var req = org.oarspawner.spi.JobRequest.builder(s.key, cluster, "bob").command("jupyterhub-singleuser").build();
            s.job = oar.submit(req).result();
        }
        spawns.add(s);
        return s;
    }

    @Test
    void oneStatusCommandPerClusterWhateverTheNumberOfSpawns() {
        for (int i = 0; i < 50; i++) {
            spawn("cpu", "s" + i, SpawnState.QUEUED);
        }
        spawn("gpu", "g", SpawnState.STARTING);
        spawn("cpu", "submitting", SpawnState.SUBMITTING);
        spawn("cpu", "failed", SpawnState.FAILED);

        poller.tick("cpu");

        assertThat(oar.statusCalls).hasSize(1);
        assertThat(oar.statusCalls.get(0)).hasSize(50);
        assertThat(polls).containsExactly("cpu");
        assertThat(answers).hasSize(1);
        poller.tick("gpu");
        assertThat(oar.statusCalls).hasSize(2);
        assertThat(oar.lastStatusCall()).hasSize(1);
    }

    @Test
    void aTickSkipsWhileThePreviousPollIsOut() {
        spawn("cpu", "a", SpawnState.QUEUED);
        oar.holdStatus = true;
        poller.tick("cpu");
        assertThat(poller.isOut("cpu")).isTrue();
        poller.tick("cpu");
        poller.tick("cpu");
        assertThat(oar.statusCalls).hasSize(1);
        assertThat(answers).isEmpty();

        oar.answerStatus();
        assertThat(poller.isOut("cpu")).isFalse();
        assertThat(answers).hasSize(1);
        poller.tick("cpu");
        assertThat(oar.statusCalls).hasSize(2);
    }

    @Test
    void aPollAskedForWhileOneIsOutRunsOnceItReturnsAndManyAsksMakeOne() {
        spawn("cpu", "a", SpawnState.QUEUED);
        poller.pollSoon("cpu");
        assertThat(oar.statusCalls).hasSize(1);

        oar.holdStatus = true;
        poller.tick("cpu");
        poller.pollSoon("cpu");
        poller.pollSoon("cpu");
        poller.pollSoon("cpu");
        assertThat(oar.statusCalls).hasSize(2);
        oar.holdStatus = false;
        oar.answerStatus();
        // The out-of-turn poll went as soon as the one out returned, after its answer was handled: one, not three.
        assertThat(oar.statusCalls).hasSize(3);
        assertThat(answers).hasSize(3);
        poller.tick("cpu");
        assertThat(oar.statusCalls).hasSize(4);
    }

    @Test
    void aPollThatSucceededRefreshesTheClusterAndOneThatFailedDoesNot() {
        assertThat(poller.idle("cpu")).isTrue();
        spawn("cpu", "a", SpawnState.QUEUED);
        assertThat(poller.idle("cpu")).isFalse();
        assertThat(poller.idle("gpu")).isTrue();
        poller.tick("cpu");
        assertThat(recorded.refreshed).containsExactly("cpu");
        assertThat(recorded.refreshedAt).containsExactly(clock.instant());
        oar.holdStatus = true;
        poller.tick("cpu");
        oar.pendingStatus.fail(new RuntimeException("connection reset"));
        assertThat(recorded.refreshed).containsExactly("cpu");
    }

    @Test
    void aFailedPollIsForgottenAndTheNextTickPollsAgain() {
        spawn("cpu", "a", SpawnState.QUEUED);
        oar.holdStatus = true;
        poller.tick("cpu");
        assertThat(poller.idle("cpu")).isFalse();
        oar.pendingStatus.fail(new RuntimeException("connection reset"));
        assertThat(poller.isOut("cpu")).isFalse();
        assertThat(answers).isEmpty();
        poller.tick("cpu");
        assertThat(oar.statusCalls).hasSize(2);
    }

    @Test
    void nothingTrackedMeansNoCommand() {
        spawn("cpu", "submitting", SpawnState.SUBMITTING);
        spawn("cpu", "stopped", SpawnState.STOPPED);
        poller.tick("cpu");
        assertThat(oar.statusCalls).isEmpty();
        assertThat(polls).isEmpty();
    }
}
