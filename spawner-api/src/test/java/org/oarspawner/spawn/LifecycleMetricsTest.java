package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.SpawnKey;

class LifecycleMetricsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final List<String> recorded = new CopyOnWriteArrayList<>();
    private final LifecycleMetrics metrics = new LifecycleMetrics(new SpawnMetrics() {
        @Override
        public void spawnFinished(String cluster, Status status, Duration duration) {
            recorded.add("finished " + cluster + " " + status + " " + duration);
        }

        @Override
        public void queueWait(String cluster, Duration duration) {
            recorded.add("queue " + cluster + " " + duration);
        }

        @Override
        public void runningToReady(String cluster, Duration duration) {
            recorded.add("ready " + cluster + " " + duration);
        }

        @Override
        public void polled(String cluster) {
            recorded.add("polled " + cluster);
        }
    }, clock);

    @Test
    void aSpawnsMilestonesFromTheClockAndOnlyItsFirstOutcome() {
        Spawn s = new Spawn(new SpawnKey("bob", ""), "cpu", "bob", clock.instant());
        clock.advance(Duration.ofSeconds(2));
        s.submittedAt = clock.instant();
        clock.advance(Duration.ofMinutes(3));
        s.runningAt = clock.instant();
        metrics.running(s);
        clock.advance(Duration.ofSeconds(7));
        s.readyAt = clock.instant();
        metrics.ready(s);
        metrics.outcome(s, SpawnMetrics.Status.SUCCESS);
        clock.advance(Duration.ofHours(1));
        metrics.outcome(s, SpawnMetrics.Status.WALLTIME);
        metrics.polled("cpu");

        assertThat(recorded).containsExactly("queue cpu PT3M", "ready cpu PT7S", "finished cpu SUCCESS PT3M9S", "polled cpu");
    }

    @Test
    void aRecoveredSpawnWithNoSubmissionTimeHasNoQueueWait() {
        Spawn s = new Spawn(new SpawnKey("bob", ""), "cpu", "bob", clock.instant());
        s.runningAt = clock.instant();
        metrics.running(s);
        assertThat(recorded).isEmpty();
    }
}
