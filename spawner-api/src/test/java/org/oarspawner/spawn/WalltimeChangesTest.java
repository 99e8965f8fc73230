package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.spawn.Await.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.metrics.SpawnMetrics;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.WalltimeChange;

/** Walltime extensions and the warning before the end, against the scripted scheduler and a clock that moves when told. */
class WalltimeChangesTest extends ManagerTestBase {
    private final JobRequest r = request("", "cpu");
    private long job;

    @BeforeEach
    void ready() {
        manager.close();
        // cpu allows 2 h in all.
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock, SpawnMetrics.NONE, proxy, "/", Retention.DEFAULT,
                cluster -> cluster.equals("cpu") ? Optional.of(Duration.ofHours(2)) : Optional.empty());
        job = await(manager.start(r)).jobId().orElseThrow();
    }

    private Spawn.View readyNow() {
        runAndListen(job);
        await(manager.pollNow("cpu"));
        return waitFor(r.key(), SpawnState.READY);
    }

    private List<String> messages() {
        return await(manager.subscribe(r.key(), 0, e -> { })).stream().map(SpawnEvent::message).toList();
    }

    @Test
    void anAcceptedExtensionIsPendingUntilOarsWalltimeGrows() {
        Spawn.View before = readyNow();
        assertThat(before.walltime()).contains(Duration.ofHours(1));
        Spawn.View pending = await(manager.extendWalltime(r.key(), Duration.ofMinutes(30)));
        assertThat(oar.extensions).containsExactly(job + " 1800");
        assertThat(pending.walltimeChange()).get().satisfies(c -> {
            assertThat(c.state()).isEqualTo(Spawn.WalltimeRequest.State.PENDING);
            assertThat(c.message()).startsWith("Accepted");
        });
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).walltimeChange().orElseThrow().state()).isEqualTo(Spawn.WalltimeRequest.State.PENDING);

        oar.job(job).walltime = Duration.ofMinutes(90);
        await(manager.pollNow("cpu"));
        Spawn.View applied = view(r.key());
        assertThat(applied.walltimeChange().orElseThrow().state()).isEqualTo(Spawn.WalltimeRequest.State.APPLIED);
        assertThat(applied.walltimeEnd()).contains(before.walltimeEnd().orElseThrow().plus(Duration.ofMinutes(30)));
        assertThat(applied.walltime()).contains(Duration.ofMinutes(90));
        assertThat(messages()).anyMatch(m -> m.startsWith("Extension of the walltime by 0:30:00 requested"))
                .anyMatch(m -> m.startsWith("Walltime extended by 0:30:00: your session on cpu now ends at 11:30 UTC"));
        assertThat(applied.state()).isEqualTo(SpawnState.READY);
    }

    @Test
    void nothingIsSentBeyondTheClustersMaximumForAQueuedSpawnOrForNothing() {
        await(manager.pollNow("cpu"));
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ofMinutes(5))))
                .hasRootCauseInstanceOf(WalltimeRefusal.class).rootCause().hasMessageContaining("is queued");
        readyNow();
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ofMinutes(61))))
                .rootCause().isInstanceOfSatisfying(InvalidFieldException.class, e -> {
                    assertThat(e.field()).isEqualTo("add");
                    assertThat(e.getMessage()).contains("at most 2:00:00 in all", "has 1:00:00", "at most 1:00:00 can be added");
                });
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ZERO))).rootCause()
                .isInstanceOf(InvalidFieldException.class);
        assertThatThrownBy(() -> await(manager.extendWalltime(new org.oarspawner.spi.SpawnKey("bob", "nosuch"), Duration.ofMinutes(5))))
                .rootCause().isInstanceOfSatisfying(WalltimeRefusal.class, e -> assertThat(e.kind()).isEqualTo(WalltimeRefusal.Kind.NOT_FOUND));
        assertThat(oar.extensions).isEmpty();
    }

    @Test
    void oarsRefusalsCarryItsMessage() {
        readyNow();
        oar.walltimeAnswer = new WalltimeChange(WalltimeChange.Outcome.FORBIDDEN,
                "Forbidden: request cannot be updated because the walltime cannot increase by more than 2:0:0.");
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ofMinutes(30)))).rootCause()
                .isInstanceOfSatisfying(WalltimeRefusal.class, e -> {
                    assertThat(e.kind()).isEqualTo(WalltimeRefusal.Kind.REFUSED);
                    assertThat(e.getMessage()).isEqualTo("Forbidden: request cannot be updated because the walltime cannot increase by more than 2:0:0.");
                });
        assertThat(view(r.key()).walltimeChange().orElseThrow().state()).isEqualTo(Spawn.WalltimeRequest.State.REFUSED);
        oar.walltimeAnswer = new WalltimeChange(WalltimeChange.Outcome.DISABLED, "Not available: functionality is disabled.");
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ofMinutes(30)))).rootCause()
                .isInstanceOfSatisfying(WalltimeRefusal.class, e -> {
                    assertThat(e.kind()).isEqualTo(WalltimeRefusal.Kind.DISABLED);
                    assertThat(e.getMessage()).contains("does not allow", "functionality is disabled");
                });
        oar.walltimeAnswer = new WalltimeChange(WalltimeChange.Outcome.UNKNOWN_JOB, "Not found: could not find job " + job + ".");
        assertThatThrownBy(() -> await(manager.extendWalltime(r.key(), Duration.ofMinutes(30)))).rootCause()
                .isInstanceOfSatisfying(WalltimeRefusal.class, e -> assertThat(e.kind()).isEqualTo(WalltimeRefusal.Kind.NOT_FOUND));
    }

    @Test
    void endingSoonByTheClockOnceAndClearedByAnExtension() {
        readyNow();
        clock.advance(Duration.ofMinutes(49));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        await(manager.pollNow("cpu"));
        await(manager.pollNow("cpu"));
        Spawn.View soon = view(r.key());
        assertThat(soon.endingSoon()).isTrue();
        assertThat(soon.message()).isEqualTo("Your session on cpu ends at 11:00 UTC (in 10 min): save your work, or extend it");
        assertThat(messages()).filteredOn(m -> m.startsWith("Your session")).hasSize(1);

        await(manager.extendWalltime(r.key(), Duration.ofMinutes(30)));
        oar.job(job).walltime = Duration.ofMinutes(90);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isFalse();
        clock.advance(Duration.ofMinutes(30));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isTrue();
        assertThat(messages()).filteredOn(m -> m.startsWith("Your session")).hasSize(2);
    }

    @Test
    void endingSoonByOarsSignalForTheCurrentEndOnly() {
        oar.lead = Duration.ZERO;
        readyNow();
        oar.job(job).events = List.of(JobStatus.CHECKPOINT, "CHECKPOINT_SUCCESSFULL");
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isTrue();
        oar.job(job).events = List.of(JobStatus.CHECKPOINT, "CHECKPOINT_SUCCESSFULL", JobStatus.WALLTIME_CHANGED);
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isFalse();
        assertThat(view(r.key()).state()).isEqualTo(SpawnState.READY);
        // A zero lead: the clock alone never warns.
        clock.advance(Duration.ofMinutes(59));
        await(manager.pollNow("cpu"));
        assertThat(view(r.key()).endingSoon()).isFalse();
        assertThat(Instant.now()).isNotNull();
    }
}
