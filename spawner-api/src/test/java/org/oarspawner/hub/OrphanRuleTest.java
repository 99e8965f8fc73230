package org.oarspawner.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.hub.Views.T0;
import static org.oarspawner.hub.Views.view;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

class OrphanRuleTest {
    static final Duration GRACE = Duration.ofMinutes(5);
    static final Duration TICK = Duration.ofSeconds(30);
    final Views.MovingClock clock = new Views.MovingClock();
    final OrphanRule rule = new OrphanRule(GRACE, 3, clock);

    final Spawn.View orphan = view("alice", "gpu", SpawnState.QUEUED, T0.minus(Duration.ofHours(1)), 41);
    final Spawn.View known = view("bob", "", SpawnState.READY, T0.minus(Duration.ofHours(1)), 42);
    final Set<SpawnKey> hub = Set.of(known.key());

    /** Checks every TICK for the given time; returns what was cancelled. */
    private List<Spawn.View> checkFor(Duration d, Set<SpawnKey> hubKnows, List<Spawn.View> spawns) {
        List<Spawn.View> cancelled = new java.util.ArrayList<>();
        for (Duration t = Duration.ZERO; t.compareTo(d) < 0; t = t.plus(TICK)) {
            cancelled.addAll(rule.hubAnswered(hubKnows, spawns));
            clock.advance(TICK);
        }
        return cancelled;
    }

    @Test
    void aServerTheReachableHubLeftOutForTheGraceIsCancelledOnceAndTheOthersNever() {
        List<Spawn.View> spawns = List.of(orphan, known);
        // Checks at 0 s, 30 s ... 270 s: left out for 4.5 min, not yet 5.
        assertThat(checkFor(GRACE, hub, spawns)).isEmpty();
        assertThat(rule.suspect(orphan.key())).get().extracting(OrphanRule.Suspect::checks).isEqualTo(10);
        // At 300 s: the grace has passed.
        assertThat(rule.hubAnswered(hub, spawns)).containsExactly(orphan);
        assertThat(rule.suspects()).isEmpty();
        assertThat(checkFor(Duration.ofHours(2), hub, List.of(known))).isEmpty();
    }

    @Test
    void aListThatLeavesOutMostLiveSpawnsIsNotBelieved() {
        // A hub on a fresh database, or a token scoped to some users: a class's jobs must not all go.
        List<Spawn.View> spawns = List.of(known, orphan, view("carol", "", SpawnState.READY, T0.minus(Duration.ofHours(1)), 43),
                view("dave", "", SpawnState.READY, T0.minus(Duration.ofHours(1)), 44));
        assertThat(checkFor(Duration.ofHours(1), hub, spawns)).isEmpty();
        assertThat(rule.suspects()).isEmpty();
        assertThat(rule.disbelieved()).isTrue();
        // The same hub knowing all but one: that one is an orphan after the grace.
        Set<SpawnKey> most = Set.of(known.key(), spawns.get(2).key(), spawns.get(3).key());
        assertThat(checkFor(GRACE.plus(TICK), most, spawns)).containsExactly(orphan);
    }

    @Test
    void theHubUnreachableOnceRestartsTheGrace() {
        List<Spawn.View> spawns = List.of(orphan, known);
        assertThat(checkFor(Duration.ofMinutes(4), hub, spawns)).isEmpty();
        rule.hubUnavailable();
        clock.advance(TICK);
        // A whole grace again from the first answer after the outage.
        assertThat(checkFor(Duration.ofMinutes(5), hub, spawns)).isEmpty();
        assertThat(rule.hubAnswered(hub, spawns)).containsExactly(orphan);
    }

    @Test
    void aHubDownForHoursCancelsNothing() {
        for (int i = 0; i < 1000; i++) {
            rule.hubUnavailable();
            clock.advance(TICK);
        }
        assertThat(rule.hubAnswered(hub, List.of(orphan, known))).isEmpty();
        assertThat(rule.suspect(orphan.key())).get().extracting(OrphanRule.Suspect::since).isEqualTo(clock.now);
    }

    @Test
    void aServerTheHubKnowsAgainRestartsItsGrace() {
        List<Spawn.View> spawns = List.of(orphan);
        assertThat(checkFor(Duration.ofMinutes(4), Set.of(), spawns)).isEmpty();
        assertThat(rule.hubAnswered(Set.of(orphan.key()), spawns)).isEmpty();
        assertThat(rule.suspects()).isEmpty();
        assertThat(checkFor(Duration.ofMinutes(5), Set.of(), spawns)).isEmpty();
        assertThat(rule.hubAnswered(Set.of(), spawns)).containsExactly(orphan);
    }

    @Test
    void aSpawnYoungerThanTheGraceIsNeverCancelled() {
        // The hub left alice/gpu out for 4.5 min; between two checks that job ended and a new one for the same
        // server was submitted: the new one is cancelled only once it is itself 5 min old.
        assertThat(checkFor(Duration.ofSeconds(270), Set.of(), List.of(orphan))).isEmpty();
        Spawn.View again = view("alice", "gpu", SpawnState.QUEUED, clock.now, 44);
        assertThat(checkFor(Duration.ofSeconds(270), Set.of(), List.of(again))).isEmpty();
        clock.advance(Duration.ofSeconds(30));
        assertThat(rule.hubAnswered(Set.of(), List.of(again))).containsExactly(again);
    }

    @Test
    void aSpawnWithoutSubmissionTimeAgesFromWhenTheReaperFirstSawIt() {
        Spawn.View submitting = view("carol", "x", SpawnState.SUBMITTING, null, 0);
        assertThat(checkFor(GRACE, Set.of(), List.of(submitting))).isEmpty();
        assertThat(rule.hubAnswered(Set.of(), List.of(submitting))).containsExactly(submitting);
    }

    @Test
    void fewerChecksThanRequiredCancelNothingEvenAfterTheGrace() {
        // Two answers five minutes apart are not three consecutive checks.
        rule.hubAnswered(Set.of(), List.of(orphan));
        clock.advance(Duration.ofMinutes(6));
        assertThat(rule.hubAnswered(Set.of(), List.of(orphan))).isEmpty();
        clock.advance(TICK);
        assertThat(rule.hubAnswered(Set.of(), List.of(orphan))).containsExactly(orphan);
    }

    @Test
    void endedAndStoppingSpawnsAreNotCancelledAgain() {
        List<Spawn.View> spawns = List.of(view("a", "", SpawnState.STOPPED, T0.minus(Duration.ofHours(1)), 1),
                view("b", "", SpawnState.FAILED, T0.minus(Duration.ofHours(1)), 2),
                view("c", "", SpawnState.STOPPING, T0.minus(Duration.ofHours(1)), 3));
        assertThat(checkFor(Duration.ofMinutes(20), Set.of(), spawns)).isEmpty();
        assertThat(rule.suspects()).isEmpty();
    }
}
