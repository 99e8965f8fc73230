package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

class StartWatchTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final List<Spawn> spawns = new ArrayList<>();
    private final List<String> polls = new ArrayList<>();
    private final StartWatch watch = new StartWatch(oar, clock, () -> spawns, polls::add);

    @BeforeEach
    void setUp() {
        oar.spool = true;
    }

    private Spawn queued(String cluster, String server) {
        Spawn s = new Spawn(new SpawnKey("bob", server), cluster, "bob", clock.instant());
        s.job = oar.submit(JobRequest.builder(s.key, cluster, "bob").command("jupyterhub-singleuser").build()).result();
        s.submittedAt = clock.instant();
        s.state = SpawnState.QUEUED;
        spawns.add(s);
        return s;
    }

    @Test
    void oneAskPerClusterForAllItsNewQueuedJobsAndAPollOnlyOnceOneBegan() {
        List<Spawn> cpu = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            cpu.add(queued("cpu", "s" + i));
        }
        queued("gpu", "g");
        Spawn starting = queued("cpu", "starting");
        starting.state = SpawnState.STARTING;

        watch.tick();
        assertThat(oar.begunCalls).hasSize(2);
        assertThat(oar.begunCalls.get(0)).hasSize(30);
        assertThat(polls).isEmpty();

        oar.listen(cpu.get(7).job.id(), new Endpoint("node-cpu", 8888));
        oar.listen(cpu.get(9).job.id(), new Endpoint("node-cpu", 8889));
        watch.tick();
        assertThat(oar.begunCalls).hasSize(4);
        // Two jobs began: one early poll of their cluster, whatever their number.
        assertThat(polls).containsExactly("cpu");
    }

    @Test
    void aLineWhileOarStillSaysQueuedPollsEarlyAgainAtMostOncePerHalfSecond() {
        Spawn s = queued("cpu", "a");
        // A line a user planted, or a job that OAR has not marked running yet.
        oar.listen(s.job.id(), new Endpoint("node-cpu", 8888));
        watch.tick();
        watch.tick();
        clock.advance(StartWatch.AGAIN.minusMillis(1));
        watch.tick();
        assertThat(polls).containsExactly("cpu");
        clock.advance(Duration.ofMillis(1));
        watch.tick();
        assertThat(polls).containsExactly("cpu", "cpu");
    }

    @Test
    void linesForManySpawnsAppearingOneAfterAnotherPollTheClusterEarlyAtMostOncePerHalfSecond() {
        // Lines planted (or written) for queued jobs one tick apart: each spawn is new to the watch, but the cluster's
        // early polls stay bounded, whatever the number of spawns.
        List<Spawn> cpu = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cpu.add(queued("cpu", "p" + i));
        }
        for (int i = 0; i < 8; i++) {
            oar.listen(cpu.get(i).job.id(), new Endpoint("node-cpu", 9000 + i));
            watch.tick();
            clock.advance(StartWatch.EVERY);
        }
        // 8 ticks over 2 s: at most one early poll per 500 ms.
        assertThat(polls).hasSize(4);
    }

    @Test
    void oneAskOutPerClusterAtATime() {
        queued("cpu", "a");
        oar.holdBegun = true;
        watch.tick();
        watch.tick();
        assertThat(oar.begunCalls).hasSize(1);
        oar.pendingBegun.complete(Set.of());
        watch.tick();
        assertThat(oar.begunCalls).hasSize(2);
    }

    @Test
    void anOldQueuedJobIsLeftToThePollUntilOarExpectsItToStart() {
        Spawn s = queued("cpu", "old");
        clock.advance(StartWatch.WINDOW);
        watch.tick();
        assertThat(oar.begunCalls).isEmpty();

        s.scheduledStart = clock.instant().plus(Duration.ofMinutes(5));
        watch.tick();
        assertThat(oar.begunCalls).isEmpty();

        clock.advance(Duration.ofMinutes(5));
        watch.tick();
        assertThat(oar.begunCalls).hasSize(1);
        // OAR's estimate passed long ago and the job still waits: the poll alone looks after it.
        clock.advance(StartWatch.WINDOW);
        watch.tick();
        assertThat(oar.begunCalls).hasSize(1);
    }

    @Test
    void aSchedulerThatCannotTellCheaplyIsNeverAsked() {
        oar.spool = false;
        Spawn s = queued("cpu", "a");
        oar.listen(s.job.id(), new Endpoint("node-cpu", 8888));
        watch.tick();
        assertThat(polls).isEmpty();
    }
}
