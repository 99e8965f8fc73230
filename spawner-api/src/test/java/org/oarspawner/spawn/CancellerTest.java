package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

class CancellerTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final List<Spawn> cleaned = new CopyOnWriteArrayList<>();
    private final Canceller canceller = new Canceller(oar, cleaned::add);

    private Spawn spawn(SpawnState state) {
        Spawn s = new Spawn(new SpawnKey("bob", ""), "cpu", "bob", clock.instant());
        s.job = oar.submit(JobRequest.builder(s.key, "cpu", "bob").command("jupyterhub-singleuser").build()).result();
        oar.run(s.job.id(), "node-cpu", clock.instant());
        s.state = state;
        return s;
    }

    @Test
    void oneOardelAtATimeAndNoneOnceConfirmed() {
        Spawn s = spawn(SpawnState.STOPPING);
        oar.cancelEndsJob = false;
        canceller.cancel(s);
        canceller.cancel(s);
        assertThat(oar.cancels).hasSize(1);
        assertThat(s.cancelPending()).isFalse();
        // Confirmed while stopping: the clean-up waits for OAR to show the end.
        assertThat(cleaned).isEmpty();
    }

    @Test
    void aLostOardelLeavesTheCancelPendingAndAPollSendsItAgain() {
        Spawn s = spawn(SpawnState.FAILED);
        oar.failingCancels.set(1);
        assertThat(canceller.cancel(s).failed()).isTrue();
        assertThat(s.cancelPending()).isTrue();
        assertThat(cleaned).isEmpty();

        canceller.polledAfterEnd(s, oar.job(s.job.id()).status());
        assertThat(oar.cancels).hasSize(2);
        assertThat(s.cancelPending()).isFalse();
        assertThat(cleaned).containsExactly(s);
    }

    @Test
    void oarShowingTheJobEndedIsAConfirmation() {
        Spawn s = spawn(SpawnState.FAILED);
        oar.failingCancels.set(1);
        canceller.cancel(s);
        oar.end(s.job.id(), JobState.TERMINATED, OptionalInt.of(0));
        canceller.polledAfterEnd(s, oar.job(s.job.id()).status());
        assertThat(oar.cancels).hasSize(1);
        assertThat(cleaned).containsExactly(s);
    }

    @Test
    void anOardelStillOutIsNotSentTwice() {
        Spawn s = spawn(SpawnState.FAILED);
        s.cancelWanted = true;
        s.cancelOut = true;
        canceller.polledAfterEnd(s, oar.job(s.job.id()).status());
        assertThat(oar.cancels).isEmpty();
    }
}
