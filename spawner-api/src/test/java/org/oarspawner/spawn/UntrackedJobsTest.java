package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/** Against the scripted FakeScheduler and a fixed clock. */
class UntrackedJobsTest {
    private static final Duration GRACE = Duration.ofMinutes(5);
    private final Vertx vertx = Vertx.vertx();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private long submit(String user, String server) throws Exception {
        return oar.submit(JobRequest.builder(new SpawnKey(user, server), "cpu", user).command("jupyterhub-singleuser").build())
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).id();
    }

    private List<Long> sweep(List<Spawn.View> tracked) throws Exception {
        UntrackedJobs sweeper = new UntrackedJobs(vertx, oar, clock, GRACE, Optional::of, () -> Future.succeededFuture(tracked));
        return sweeper.sweep().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Spawn.View tracking(String user, long job) {
        Spawn s = new Spawn(new SpawnKey(user, ""), "cpu", user, Instant.EPOCH);
        s.job = new org.oarspawner.spi.JobRef("cpu", job, user);
        return s.snapshot();
    }

    @Test
    void anUntrackedJobOfOursIsCancelledOnlyOnceOlderThanTheGrace() throws Exception {
        long tracked = submit("alice", "");
        long second = submit("bob", "");
        assertThat(sweep(List.of(tracking("alice", tracked)))).isEmpty();
        assertThat(oar.cancels).isEmpty();

        clock.advance(GRACE.plusSeconds(1));
        assertThat(sweep(List.of(tracking("alice", tracked)))).containsExactly(second);
        assertThat(oar.cancels).containsExactly(second);
    }

    @Test
    void aJobWhoseOwnerTheMappingDoesNotGiveIsNeverTouched() throws Exception {
        submit("bob", "");
        clock.advance(GRACE.plusSeconds(1));
        UntrackedJobs sweeper = new UntrackedJobs(vertx, oar, clock, GRACE, u -> Optional.of(u + "x"),
                () -> Future.succeededFuture(List.of()));
        assertThat(sweeper.sweep().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(oar.cancels).isEmpty();
    }
}
