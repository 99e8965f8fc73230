package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/** Ended spawns are forgotten after their retention, and beyond a bound (issue 8, item 8). */
class RetentionTest extends ManagerTestBase {

    private Spawn ended(String server, Duration ago) {
        Spawn s = new Spawn(new SpawnKey("bob", server), "cpu", "bob", T0);
        s.job = new JobRef("cpu", 1000 + server.hashCode() % 100 + 100, "bob");
        s.state = SpawnState.STOPPED;
        s.endedAt = T0.minus(ago);
        s.settled.complete();
        return s;
    }

    @Test
    void endedLongerThanTheRetentionThenTheOldestBeyondTheBound() {
        Retention r = new Retention(Duration.ofHours(1), 2);
        Spawn old = ended("old", Duration.ofMinutes(61));
        Spawn a = ended("a", Duration.ofMinutes(30));
        Spawn b = ended("b", Duration.ofMinutes(20));
        Spawn c = ended("c", Duration.ofMinutes(10));
        Spawn live = new Spawn(new SpawnKey("bob", "live"), "cpu", "bob", T0);
        live.state = SpawnState.READY;
        assertThat(r.toEvict(List.of(c, live, a, old, b), T0)).containsExactly(old, a);
        assertThat(new Retention(Duration.ofHours(1), 10).toEvict(List.of(c, a, old), T0)).containsExactly(old);
    }

    @Test
    void aSpawnWhoseJobMayStillRunIsKept() {
        Retention r = new Retention(Duration.ZERO, 0);
        Spawn cancelling = ended("cancelling", Duration.ofHours(2));
        cancelling.state = SpawnState.FAILED;
        cancelling.cancelWanted = true;
        Spawn cleaning = new Spawn(new SpawnKey("bob", "cleaning"), "cpu", "bob", T0);
        cleaning.state = SpawnState.FAILED;
        cleaning.endedAt = T0.minus(Duration.ofHours(2));
        assertThat(r.toEvict(new ArrayList<>(List.of(cancelling, cleaning)), T0)).isEmpty();
        cancelling.cancelConfirmed = true;
        assertThat(r.toEvict(List.of(cancelling, cleaning), T0)).containsExactly(cancelling);
    }

    @Test
    void theManagerForgetsAStoppedSpawnAfterItsRetentionAndReleasesItsJob() {
        manager.close();
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock, SpawnMetrics.NONE, proxy, "/",
                new Retention(Duration.ofHours(1), 1000));
        JobRequest r = request("web", "cpu");
        long job = await(manager.start(r)).jobId().orElseThrow();
        await(manager.stop(r.key()));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.STOPPED);
        oar.released.clear();

        clock.advance(Duration.ofMinutes(59));
        await(manager.evictNow());
        assertThat(await(manager.get(r.key()))).isPresent();
        assertThat(await(manager.subscribe(r.key(), 0, e -> { }))).isNotEmpty();

        clock.advance(Duration.ofMinutes(2));
        await(manager.evictNow());
        assertThat(await(manager.get(r.key()))).isEmpty();
        assertThat(await(manager.list())).isEmpty();
        assertThat(await(manager.subscribe(r.key(), 0, e -> { }))).isEmpty();
        assertThat(oar.released).containsExactly(job);

        // The server starts again as new.
        assertThat(await(manager.start(r)).jobId()).isPresent().isNotEqualTo(java.util.Optional.of(job));
    }

    @Test
    void theBoundForgetsTheOldestEndedSpawnsFirst() {
        manager.close();
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock, SpawnMetrics.NONE, proxy, "/",
                new Retention(Duration.ofHours(1), 2));
        for (String server : List.of("a", "b", "c")) {
            await(manager.start(request(server, "cpu")));
            await(manager.stop(new SpawnKey("bob", server)));
            await(manager.pollNow("cpu"));
            clock.advance(Duration.ofSeconds(1));
        }
        JobRequest live = request("live", "cpu");
        await(manager.start(live));
        await(manager.evictNow());
        assertThat(await(manager.list())).extracting(v -> v.key().server()).containsExactlyInAnyOrder("b", "c", "live");
    }
}
